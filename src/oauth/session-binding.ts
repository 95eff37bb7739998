import type { Request } from 'express';
import { csrfTokenFor } from '../common/csrf';
import { sha256 } from '../common/secrets';

/** Ties an authorize transaction to one browser session (its CSRF secret changes at every log-in). */
export function sessionBinding(req: Request): string {
  return sha256(`authorize:${csrfTokenFor(req)}`);
}
