import type { NextFunction, Request, Response } from 'express';

/**
 * Collapses repeated slashes in the path before routing: SmartThings-classic clients build URLs
 * as `SITE + '/' + url`, giving `//api/…`, which SmartThings accepted. The query string is untouched.
 */
export function collapseSlashes(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  if (path.includes('//')) {
    req.url = path.replace(/\/{2,}/g, '/') + (queryAt === -1 ? '' : req.url.slice(queryAt));
  }
  next();
}
