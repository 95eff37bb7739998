import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * A route the front door answers without Express's router: hot machine endpoints whose whole
 * pipeline is known (issue 10 point 4). `takes` looks at the raw request only and must not read
 * it; what it declines goes to Express, untouched.
 */
export interface FrontDoorRoute {
  /** the route label metrics and logs see, as Express would give it */
  readonly route: string;
  takes(req: IncomingMessage): boolean;
  handle(req: Request, res: Response): Promise<void>;
}

export interface FrontDoorOptions {
  /** Express's own middlewares that every request gets (access log, metrics, security headers), in order */
  before: RequestHandler[];
  routes: FrontDoorRoute[];
  /** how an error becomes a response: the app's global error filter */
  onError(err: unknown, req: Request, res: Response): void;
}

/**
 * Puts the front door between the HTTP server and Express: a request a route takes gets Express's
 * request and response (the very prototypes Express gives, so `req.ip`, `req.is` and `res.json`
 * behave alike), the `before` middlewares, then the route's handler; every other request goes to
 * the Express app as before.
 */
export function installFrontDoor(server: Server, app: Express, options: FrontDoorOptions): void {
  const expressListeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (expressListeners.length !== 1) {
    throw new Error(`the front door expects one request listener (Express), found ${expressListeners.length}`);
  }
  const [toExpress] = expressListeners;
  server.removeListener('request', toExpress);
  server.on('request', (raw: IncomingMessage, rawRes: ServerResponse) => {
    const route = options.routes.find((r) => r.takes(raw));
    if (!route) {
      toExpress(raw, rawRes);
      return;
    }
    const req = raw as Request;
    const res = rawRes as Response;
    // what Express's app.handle does before its router
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals = Object.create(null) as Record<string, unknown>;
    req.baseUrl = '';
    (req as Request & { route: { path: string } }).route = { path: route.route };
    const fail = (err: unknown): void => {
      try {
        options.onError(err, req, res);
      } catch {
        if (!res.headersSent) {
          res.statusCode = 500;
        }
        res.end();
      }
    };
    const step = (index: number): void => {
      if (index === options.before.length) {
        route.handle(req, res).catch(fail);
        return;
      }
      const next: NextFunction = (err?: unknown) => (err ? fail(err) : step(index + 1));
      try {
        void options.before[index](req, res, next);
      } catch (err) {
        fail(err);
      }
    };
    step(0);
  });
}

/**
 * The security headers of a machine endpoint's JSON reply (OWASP's REST Security Cheat Sheet): no
 * content sniffing, nothing of it framed, loaded or referred from elsewhere. Pages get helmet's
 * full set (src/app.setup.ts); a JSON reply has no use for the rest.
 */
const MACHINE_HEADERS: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

export function machineHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of MACHINE_HEADERS) {
    res.setHeader(name, value);
  }
  next();
}
