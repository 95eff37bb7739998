import express, { NextFunction, Request, Response } from 'express';
import hbs from 'hbs';
import { existsSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { dirname, join } from 'node:path';
import { DemoClientSettings, eventsUrlOf } from './demo-client.settings';
import { Connection, DemoSession, DemoSessions } from './demo-sessions';
import { eventsReceiver } from './events-receiver';
import { PlatformApi, PlatformError, SwitchReading } from './platform-api';
import { viewOf } from './pushed-events';

// A tiny IFTTT-like external service: a plain Express app that knows the platform only through
// its HTTP contract. Read it top to bottom as an example of a client:
// Its calls go through the TypeScript SDK (clients/typescript, wrapped in platform-api.ts):
//   1. POST /connect   → authorization request (PKCE S256 + state) in the browser
//   2. GET  /callback  → check state, exchange the code at /oauth/token, ask /api/smartapps/endpoints,
//                        give Device Bridge our /events URL (PUT …/callback)
//   3. GET  /          → list the granted switches through the installation URL; switch them
//   4. POST /events    → signed pushes of switch changes from the platform (events-receiver.ts)
//   5. POST /refresh   → refresh_token grant;  POST /disconnect → DELETE on the installation URL

/** The folder holding views/demo-client, from src/ (tests) or dist/src/ (npm start). */
function rootFolder(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'views', 'demo-client'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      return process.cwd();
    }
    dir = parent;
  }
  return dir;
}

function field(req: Request, name: string): string {
  const body: unknown = req.body;
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

function queryValue(req: Request, name: string): string | null {
  const value = req.query[name];
  return typeof value === 'string' ? value : null;
}

function tail(secret: string): string {
  return `…${secret.slice(-6)}`;
}

export function createDemoClient(settings: DemoClientSettings): express.Express {
  const root = rootFolder();
  const api = new PlatformApi(settings);
  const sessions = new DemoSessions(settings.publicUrl.startsWith('https:'));
  const platformOrigin = new URL(settings.platformUrl).origin;
  const app = express();

  const engine = hbs.create();
  engine.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  app.engine('hbs', (path, options, callback) => {
    engine.__express(path, options, callback);
  });
  app.set('view engine', 'hbs');
  app.set('views', join(root, 'views', 'demo-client'));
  app.disable('x-powered-by');

  // No inline scripts, no framing; forms may go to this service and on to the platform.
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.set({
      'Content-Security-Policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' ${platformOrigin}`,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      // the callback URL carries the code: never leak it in a Referer
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    next();
  });
  app.use('/static', express.static(join(root, 'public', 'demo-client'), { maxAge: '1h' }));
  // before the form parser: the signature is checked over the raw body
  app.use(eventsReceiver(settings.webhookSecret, sessions));
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));

  const render = (res: Response, view: string, session: DemoSession, locals: Record<string, unknown>, status = 200): void => {
    const notice = session.notice;
    session.notice = null;
    res.status(status).render(view, { csrf: session.csrf, notice, platformUrl: settings.platformUrl, ...locals });
  };

  // Every POST carries this service's own CSRF token.
  const guarded =
    (handler: (req: Request, res: Response, session: DemoSession) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const session = sessions.of(req, res);
      if (!sessions.csrfMatches(session, field(req, '_csrf'))) {
        render(res, 'error', session, { title: 'This form has expired', message: 'Reload the page and try again.' }, 403);
        return;
      }
      handler(req, res, session).catch(next);
    };

  app.get('/', (req: Request, res: Response, next: NextFunction) => {
    const session = sessions.of(req, res);
    void (async () => {
      const connection = session.connection;
      let switches: SwitchReading[] = [];
      let problem: string | null = null;
      let revoked = false;
      if (connection) {
        try {
          switches = await api.listSwitches(connection.endpoint.uri, connection.accessToken);
        } catch (err) {
          if (!(err instanceof PlatformError)) {
            throw err;
          }
          revoked = err.status === 401;
          problem = revoked ? `${err.message}. The connection was revoked or has expired: refresh the token or connect again.` : err.message;
        }
      }
      render(res, 'home', session, {
        title: connection ? 'Your switches' : 'Connect your devices',
        connection: connection
          ? {
              location: connection.endpoint.location.name,
              uri: connection.endpoint.uri,
              installationId: connection.installationId,
              scope: connection.scope,
              expiresAt: connection.expiresAt.toISOString(),
              accessToken: tail(connection.accessToken),
              refreshToken: connection.refreshToken ? tail(connection.refreshToken) : null,
              endpointsReply: connection.endpointsReply,
            }
          : null,
        events: connection ? connection.events.map(viewOf) : [],
        eventsProblem: connection?.eventsProblem ?? null,
        eventsUrl: eventsUrlOf(settings),
        switches: switches.map((s) => ({ ...s, isOn: s.value === 'on' })),
        problem,
        revoked,
      });
    })().catch(next);
  });

  // 1. Send the browser to the platform's authorization endpoint.
  app.post(
    '/connect',
    guarded((_req, res, session) => {
      const { url, pending } = api.authorizationRequest();
      session.pending = pending;
      res.redirect(303, url);
      return Promise.resolve();
    }),
  );

  // 2. The platform sends the browser back here with a code (or an error) and our state.
  app.get('/callback', (req: Request, res: Response, next: NextFunction) => {
    const session = sessions.of(req, res);
    void (async () => {
      const pending = session.pending;
      if (!pending || queryValue(req, 'state') !== pending.state) {
        render(res, 'error', session, { title: 'Unexpected callback', message: 'This answer does not belong to a connection started here (the state does not match). Start again with “Connect”.' }, 400);
        return;
      }
      session.pending = null;
      const error = queryValue(req, 'error');
      if (error) {
        session.notice = error === 'access_denied' ? 'You chose Deny: nothing was connected.' : `The platform answered ${error}: ${queryValue(req, 'error_description') ?? ''}`;
        res.redirect(303, '/');
        return;
      }
      const code = queryValue(req, 'code');
      if (!code) {
        render(res, 'error', session, { title: 'No code', message: 'The platform sent no authorization code. Start again with “Connect”.' }, 400);
        return;
      }
      // the SDK checks the state again and exchanges the code with the PKCE verifier
      const tokens = await api.handleCallback(new URL(req.originalUrl, 'http://demo.invalid').searchParams, pending);
      const endpoints = await api.endpoints(tokens.accessToken);
      if (endpoints.length === 0) {
        throw new PlatformError(404, null, 'Asking for the endpoints: the platform named no installation');
      }
      const connection: Connection = { ...tokens, endpoint: endpoints[0], endpointsReply: endpoints, events: [], eventsProblem: null };
      // connected before the PUT: a push may arrive as soon as the platform has stored the URL
      session.connection = connection;
      try {
        await api.setCallback(connection.endpoint.uri, connection.accessToken, eventsUrlOf(settings));
      } catch (err) {
        connection.eventsProblem = `${err instanceof Error ? err.message : String(err)}. Changes made elsewhere will not be pushed here; reload to see them.`;
      }
      session.notice = `Connected to your location ${endpoints[0].location.name}.`;
      res.redirect(303, '/');
    })().catch(next);
  });

  // 3. Switch one granted switch through the installation URL.
  app.post(
    '/switches/:switchId/:command',
    guarded(async (req, res, session) => {
      const command = req.params.command;
      const connection = session.connection;
      if (!connection || (command !== 'on' && command !== 'off')) {
        res.redirect(303, '/');
        return;
      }
      const reading = await api.switchOne(connection.endpoint.uri, connection.accessToken, String(req.params.switchId), command);
      session.notice = `${reading.name} is now ${reading.value}.`;
      res.redirect(303, '/');
    }),
  );

  // 4a. A new access token (and a new refresh token: they rotate) without the user.
  app.post(
    '/refresh',
    guarded(async (_req, res, session) => {
      const connection = session.connection;
      if (!connection?.refreshToken) {
        session.notice = 'There is no refresh token to use.';
        res.redirect(303, '/');
        return;
      }
      const tokens = await api.refresh(connection);
      session.connection = { ...connection, ...tokens };
      session.notice = `Token refreshed: the new access token ends ${tail(tokens.accessToken)}.`;
      res.redirect(303, '/');
    }),
  );

  // 4b. Disconnect from this side: DELETE on the installation URL uninstalls the SmartApp.
  app.post(
    '/disconnect',
    guarded(async (_req, res, session) => {
      const connection = session.connection;
      if (connection) {
        try {
          await api.uninstall(connection.endpoint.uri, connection.accessToken);
          session.notice = 'Disconnected: the platform uninstalled the SmartApp and revoked our tokens.';
        } catch (err) {
          if (!(err instanceof PlatformError && err.status === 401)) {
            throw err;
          }
          session.notice = 'Forgotten: the platform had already revoked this connection.';
        }
        session.connection = null;
      }
      res.redirect(303, '/');
    }),
  );

  app.use((req: Request, res: Response) => {
    render(res, 'error', sessions.of(req, res), { title: 'Not found', message: 'There is no such page on the demo service.' }, 404);
  });

  // A failed call to the platform: say which, and what the platform answered.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      return next(err);
    }
    const message = err instanceof PlatformError ? err.message : `The platform could not be reached (${err instanceof Error ? err.message : String(err)}). Is it running at ${settings.platformUrl}?`;
    render(res, 'error', sessions.of(req, res), { title: 'The platform said no', message }, 502);
  });

  return app;
}

/** Starts the demo service; resolves once it listens. */
export function startDemoClient(settings: DemoClientSettings, port: number): Promise<Server> {
  const server = createServer(createDemoClient(settings));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
