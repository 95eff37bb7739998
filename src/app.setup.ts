import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import hbs from 'hbs';
import passport from 'passport';
import { join } from 'node:path';
import { DatabaseSessionStore } from './accounts/session-store';
import { AppModule } from './app.module';
import { collapseSlashes } from './common/collapse-slashes';
import { csrfMiddleware } from './common/csrf';
import { ErrorFilter } from './common/error.filter';
import { FORM_LIMITS } from './common/form-body';
import { installFrontDoor, machineHeaders } from './common/front-door';
import { recordedHeaders } from './common/recorded-headers';
import { IntrospectionEndpoint } from './oauth/introspection.endpoint';
import { InstallApiFrontDoor } from './install-api/install-api.front-door';
import { jsonDepthGuard, JsonTooDeepError } from './common/json-depth';
import { registerViewHelpers } from './common/view-helpers';
import { projectRoot } from './common/project-root';
import { AppConfig } from './config/app-config';
import { Transactions } from './database/transactions';
import { DemoSeedService } from './seed/demo-seed.service';
import { createRootLogger, nestLogger, requestLogging } from './observability/logging';
import { MetricsService } from './observability/metrics.service';
import { servePlatformOpenApi } from './openapi/platform-openapi';
import type { Logger as Pino } from 'pino';

// A body that does not parse is the client's mistake: a 400 saying so, never a 500 or a stack.
function guardedParser(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    void parser(req, res, (err?: unknown) => {
      if (!err) {
        return next();
      }
      const status = (err as { status?: number }).status === 413 ? 413 : 400;
      const message = status === 413 ? 'The request body is too large' : err instanceof JsonTooDeepError ? err.message : 'The request body could not be parsed';
      if (req.path.startsWith('/oauth/')) {
        res.status(status).set('Cache-Control', 'no-store').json({ error: 'invalid_request', error_description: message });
      } else {
        res.status(status).json({ error: true, type: 'RequestError', message });
      }
    });
  };
}

const BEARER_PATHS = [/^\/api\//, /^\/oauth\/(token|revoke|introspect|request_token|access_token)\/?$/];

/** Paths whose callers authenticate per request (bearer token, client credentials), never by cookie. */
export function isBearerPath(path: string): boolean {
  return BEARER_PATHS.some((p) => p.test(path));
}

export function configureApp(app: NestExpressApplication, config: AppConfig, logger: Pino = createRootLogger(config)): void {
  const root = projectRoot();
  const accessLog = requestLogging(logger);
  const metrics = app.get(MetricsService).httpMiddleware();
  app.use(...accessLog);
  app.use(metrics);
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(collapseSlashes);
  // helmet's headers are the same on every response (no CSP nonce): recorded once, then replayed
  const securityHeaders = recordedHeaders(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'https:'],
          'font-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'frame-ancestors': ["'none'"],
          // no form-action: the consent form's 303 goes to the client's redirect URI, which
          // form-action 'self' would block in Chromium
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: config.baseUrl.startsWith('https:'),
    }),
  );
  app.use(securityHeaders);
  // hot machine endpoints skip Express's router, with the same log line, metrics and headers
  const errors = new ErrorFilter();
  installFrontDoor(app.getHttpServer(), app.getHttpAdapter().getInstance(), {
    before: [...requestLogging(logger, { requestLogger: false }), metrics, machineHeaders],
    routes: [app.get(IntrospectionEndpoint).frontDoor, app.get(InstallApiFrontDoor).route],
    onError: (err, req, res) => errors.respond(err, req, res),
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/oauth/authorize') || req.path === '/login' || req.path === '/signup') {
      res.set('Cache-Control', 'no-store');
    }
    next();
  });
  app.use(guardedParser(express.json({ limit: '256kb', verify: jsonDepthGuard(config.jsonMaxDepth) })));
  app.use(guardedParser(express.urlencoded({ extended: true, limit: FORM_LIMITS.bytes, parameterLimit: FORM_LIMITS.parameters })));
  // Bearer routes (/api/*) and the OAuth machine endpoints take no cookies: they skip the session
  // load, passport and CSRF work below (issue 10 point 4).
  const browserOnly = (middleware: RequestHandler): RequestHandler => {
    return (req: Request, res: Response, next: NextFunction) => (isBearerPath(req.path) ? next() : middleware(req, res, next));
  };
  app.use(
    browserOnly(session({
      name: 'sid',
      secret: config.sessionSecret,
      store: new DatabaseSessionStore(app.get(Transactions), config.sessionTtlSeconds),
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.baseUrl.startsWith('https:'),
        maxAge: config.sessionTtlSeconds * 1000,
      },
    })),
  );
  app.use(browserOnly(passport.initialize()));
  app.use(browserOnly(passport.session() as RequestHandler));
  app.use(
    browserOnly(csrfMiddleware((req, res) => {
      res.status(403).render('error', {
        title: 'This form has expired',
        message: 'The form was missing its security token or was sent from another session. Go back, reload the page and try again.',
        status: 403,
        user: req.user,
      });
    })),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.user = req.user;
    next();
  });
  app.useStaticAssets(join(root, 'public'), { prefix: '/static/', maxAge: '1h' });
  // browsers ask for /favicon.ico whatever the page links
  app.use('/favicon.ico', (req: Request, res: Response) => res.sendFile(join(root, 'public', 'favicon.ico'), { maxAge: '1d' }));
  app.setBaseViewsDir(join(root, 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  registerViewHelpers(hbs, join(root, 'views', 'partials'));
  servePlatformOpenApi(app, config);
  // signals are handled by main.ts (src/lifecycle): shutdown in order, not Nest's all-at-once close
}

/** The whole platform, ready to listen: migrations run, demo seeded when configured. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const logger = createRootLogger(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    logger: nestLogger(logger, config),
  });
  configureApp(app, config, logger);
  await app.init();
  await app.get(DemoSeedService).seedIfEmpty();
  return app;
}
