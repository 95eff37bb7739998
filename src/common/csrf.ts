import type { NextFunction, Request, Response } from 'express';
import { constantTimeEquals, randomToken } from './secrets';

// Synchronizer-token CSRF: one random token per browser session, checked on every browser
// POST. Machine endpoints (OAuth token/revoke/introspect/register, /api) take no cookies.
const MACHINE_PATHS = [/^\/oauth\/(token|revoke|introspect|register|debug|request_token|access_token)(\/|$)/, /^\/api\//];

export function csrfTokenFor(req: Request): string {
  if (!req.session.csrfToken) {
    req.session.csrfToken = randomToken(32);
  }
  return req.session.csrfToken;
}

export function isMachinePath(path: string): boolean {
  return MACHINE_PATHS.some((p) => p.test(path));
}

export function csrfMiddleware(renderForbidden: (req: Request, res: Response) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isMachinePath(req.path)) {
      return next();
    }
    res.locals.csrfToken = csrfTokenFor(req);
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      return next();
    }
    const body: unknown = req.body;
    const sent = body && typeof body === 'object' ? (body as Record<string, unknown>)._csrf : undefined;
    if (typeof sent === 'string' && req.session.csrfToken && constantTimeEquals(sent, req.session.csrfToken)) {
      return next();
    }
    renderForbidden(req, res);
  };
}
