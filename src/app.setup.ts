import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import hbs from 'hbs';
import passport from 'passport';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseSessionStore } from './accounts/session-store';
import { AppModule } from './app.module';
import { csrfMiddleware } from './common/csrf';
import { jsonDepthGuard, JsonTooDeepError } from './common/json-depth';
import { registerViewHelpers } from './common/view-helpers';
import { PlatformLogger } from './common/platform-logger';
import { projectRoot } from './common/project-root';
import { AppConfig } from './config/app-config';
import { DemoSeedService } from './seed/demo-seed.service';

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

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

export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  const root = projectRoot();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
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
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/oauth/authorize') || req.path === '/login' || req.path === '/signup') {
      res.set('Cache-Control', 'no-store');
    }
    next();
  });
  app.use(guardedParser(express.json({ limit: '256kb', verify: jsonDepthGuard(config.jsonMaxDepth) })));
  app.use(guardedParser(express.urlencoded({ extended: true, limit: '256kb', parameterLimit: 1000 })));
  app.use(
    session({
      name: 'sid',
      secret: config.sessionSecret,
      store: new DatabaseSessionStore(app.get(DataSource), config.sessionTtlSeconds),
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.baseUrl.startsWith('https:'),
        maxAge: config.sessionTtlSeconds * 1000,
      },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(
    csrfMiddleware((req, res) => {
      res.status(403).render('error', {
        title: 'This form has expired',
        message: 'The form was missing its security token or was sent from another session. Go back, reload the page and try again.',
        status: 403,
        user: req.user,
      });
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.user = req.user;
    next();
  });
  app.useStaticAssets(join(root, 'public'), { prefix: '/static/', maxAge: '1h' });
  app.setBaseViewsDir(join(root, 'views'));
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  registerViewHelpers(hbs, join(root, 'views', 'partials'));
  // signals are handled by main.ts (src/lifecycle): shutdown in order, not Nest's all-at-once close
}

/** The whole platform, ready to listen: migrations run, demo seeded when configured. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bodyParser: false,
    logger: new PlatformLogger(config.logLevel === 'debug', LOG_LEVELS[config.logLevel]),
  });
  configureApp(app, config);
  await app.init();
  await app.get(DemoSeedService).seedIfEmpty();
  return app;
}
