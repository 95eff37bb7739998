import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { storage } from 'nestjs-pino/storage';
import { randomUUID } from 'node:crypto';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import pinoPretty from 'pino-pretty';
import type { AppConfig } from '../config/app-config';

// Nest's start-up chatter (one line per module and per route) buries the lines a newcomer needs,
// such as the demo credentials; it is shown only at LOG_LEVEL=debug.
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Query parameters whose values never reach a log line. */
const SECRET_PARAM = /code|token|secret|password|assertion|verifier|sid|key|transaction/i;

/** Fields masked wherever they appear in a logged object (two levels deep). */
const REDACTED_FIELDS = ['authorization', 'cookie', 'set-cookie', 'password', 'token', 'access_token', 'refresh_token', 'id_token', 'code', 'code_verifier', 'client_secret', 'secret', 'webhook_secret'];
const REDACT_PATHS = [
  ...REDACTED_FIELDS.map((f) => `["${f}"]`),
  ...REDACTED_FIELDS.map((f) => `*["${f}"]`),
  ...REDACTED_FIELDS.map((f) => `*.*["${f}"]`),
];

/** A client's x-request-id is kept when it is short and plain; anything else gets a fresh one. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The URL as it may be logged: values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) {
    return url;
  }
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAM.test(decodeURIComponentSafe(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The process's root logger: JSON lines, or readable lines when a terminal is attached. */
export function createRootLogger(config: AppConfig): Pino {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const sink = config.operations.logSink;
  let destination: DestinationStream;
  if (sink) {
    destination = { write: (line: string) => sink.write(line) };
  } else if (process.stdout.isTTY) {
    destination = pinoPretty({
      colorize: true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,context,req,res,responseTime,reqId',
      messageFormat: '{if context}[{context}] {end}{msg}',
      singleLine: true,
    });
  } else {
    destination = pino.destination({ dest: 1, sync: true });
  }
  return pino(options, destination);
}

class PlatformPinoLogger extends NestPinoLogger {
  constructor(
    logger: PinoLogger,
    private readonly showStartup: boolean,
  ) {
    super(logger, {});
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (!this.showStartup && typeof context === 'string' && STARTUP_CONTEXTS.has(context)) {
      return;
    }
    super.log(message, ...rest);
  }
}

/** Nest's logger on top of the root logger; inside a request, lines carry its request id. */
export function nestLogger(root: Pino, config: AppConfig): LoggerService {
  __resetOutOfContextForTests(); // one root logger per app, also when a test starts several
  return new PlatformPinoLogger(new PinoLogger({ pinoHttp: { logger: root } }), config.logLevel === 'debug');
}

const QUIET_PATHS = /^\/(healthz|readyz|metrics)$|^\/static\//;

/** The request's logger for Nest's loggers, made only when something logs inside the request. */
class RequestStore {
  private child: Pino | undefined;
  responseLogger?: Pino;

  constructor(
    private readonly root: Pino,
    private readonly reqId: string,
  ) {}

  get logger(): Pino {
    this.child ??= this.root.child({ reqId: this.reqId });
    return this.child;
  }

  set logger(logger: Pino) {
    this.child = logger;
  }
}

/**
 * The first middleware: gives the request its id (echoed in `x-request-id`), logs one line when the
 * response is done, and makes the request's logger the one Nest's loggers use while serving it.
 * Written by hand rather than with pino-http: it made two child loggers and serialized the request
 * on every call, logged or not (a tenth of a bearer call's main thread, issue 10 point 4). The
 * line is pino-http's: reqId, req { id, method, url, remoteAddress }, res { statusCode },
 * responseTime. `requestLogger: false` leaves out the request's own logger (the access line stays).
 */
export function requestLogging(root: Pino, options: { requestLogger: boolean } = { requestLogger: true }): RequestHandler[] {
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    const started = Date.now();
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    req.requestId = id;
    const url = req.url;
    if (!QUIET_PATHS.test(url.split('?')[0])) {
      // 'close' follows 'finish' on every response, and also ends one whose client went away
      const done = (): void => {
        const status = res.statusCode;
        const level = status >= 500 ? 'error' : 'info';
        if (!root.isLevelEnabled(level)) {
          return;
        }
        const line = {
          reqId: id,
          req: { id, method: req.method, url: redactUrl(req.originalUrl || url), remoteAddress: req.socket.remoteAddress },
          res: { statusCode: status },
          responseTime: Date.now() - started,
        };
        const shown = redactUrl(req.url);
        if (level === 'error') {
          root.error({ ...line, err: { type: 'Error', message: `failed with status code ${status}` } }, `${req.method} ${shown} ${status} failed`);
        } else {
          root.info(line, `${req.method} ${shown} ${status} ${line.responseTime} ms`);
        }
      };
      res.once('close', done);
    }
    if (options.requestLogger) {
      storage.run(new RequestStore(root, id), next);
    } else {
      // the front door's routes (src/common/front-door.ts): entering the log context costs as much
      // as the rest of an introspection on Node 20 (every promise of the request then carries it);
      // what they log goes through the error filter, whose lines name the request id themselves
      next();
    }
  };
  return [handler];
}
