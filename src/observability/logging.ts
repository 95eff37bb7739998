import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { storage, Store } from 'nestjs-pino/storage';
import { randomUUID } from 'node:crypto';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';
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

/**
 * The first middleware: gives the request its id (echoed in `x-request-id`), logs one line when the
 * response is done, and makes the request's logger the one Nest's loggers use while serving it.
 */
export function requestLogging(root: Pino): RequestHandler[] {
  const http = pinoHttp({
    logger: root,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      (req as Request).requestId = id;
      return id;
    },
    autoLogging: { ignore: (req) => QUIET_PATHS.test((req.url ?? '').split('?')[0]) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res, ms) => `${req.method} ${redactUrl(req.url ?? '')} ${res.statusCode} ${Math.round(ms)} ms`,
    customErrorMessage: (req, res) => `${req.method} ${redactUrl(req.url ?? '')} ${res.statusCode} failed`,
    customAttributeKeys: { reqId: 'reqId' },
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    quietReqLogger: true,
  });
  const bind = (req: Request, _res: Response, next: NextFunction): void => {
    storage.run(new Store(req.log), next);
  };
  return [http, bind];
}
