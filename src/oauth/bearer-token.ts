import type { Request } from 'express';
import { InvalidTokenError } from '../common/api-errors';

/**
 * The access token of a request: the Authorization header only. `?access_token=` is returned
 * separately so the caller can accept it for SmartThings-classic clients alone.
 */
export function bearerFrom(req: Request): { header: string | null; query: string | null } {
  const header = req.headers.authorization;
  let fromHeader: string | null = null;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
    if (!match) {
      throw new InvalidTokenError('The Authorization header must be "Bearer <token>"');
    }
    fromHeader = match[1];
  }
  const q: unknown = (req.query as Record<string, unknown>).access_token;
  if (q !== undefined && typeof q !== 'string') {
    throw new InvalidTokenError('access_token is given more than once');
  }
  return { header: fromHeader, query: (q) ?? null };
}
