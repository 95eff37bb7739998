import type { Request } from 'express';
import { OAuthError } from './oauth-error';

export interface PresentedCredentials {
  clientId: string;
  clientSecret: string | null;
  method: 'basic' | 'body' | 'query' | 'none';
}

/** The token-type endpoints' form parameters: one string per name, or an RFC 6749 error. */
export function formParameters(req: Request): Record<string, string> {
  const body: unknown = req.body;
  if (!req.is(['application/x-www-form-urlencoded', 'application/json'])) {
    throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded (or JSON)');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'The request body is empty or not a set of parameters');
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      throw new OAuthError('invalid_request', `Parameter ${name} is given more than once`);
    }
    if (typeof value !== 'string') {
      throw new OAuthError('invalid_request', `Parameter ${name} must be a string`);
    }
    params[name] = value;
  }
  return params;
}

function queryParameter(req: Request, name: string): string | undefined {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads the client's credentials (RFC 6749 §2.3.1): HTTP Basic or body parameters, never both.
 * Query-string credentials are read only so the caller can allow them for classic clients.
 */
export function presentedCredentials(req: Request, params: Record<string, string>): PresentedCredentials {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (!match) {
      throw OAuthError.invalidClient('The Authorization header is not valid HTTP Basic');
    }
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) {
      throw OAuthError.invalidClient('The Authorization header is not valid HTTP Basic');
    }
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw OAuthError.invalidClient('The Authorization header is not valid HTTP Basic');
    }
    if (params.client_secret !== undefined) {
      throw new OAuthError('invalid_request', 'Use one client authentication method: HTTP Basic or client_secret in the body, not both');
    }
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id in the body does not match HTTP Basic');
    }
    return { clientId, clientSecret, method: 'basic' };
  }
  const queryId = queryParameter(req, 'client_id');
  const querySecret = queryParameter(req, 'client_secret');
  if (params.client_id !== undefined) {
    if (querySecret !== undefined) {
      throw new OAuthError('invalid_request', 'Client credentials must not be sent in the query string');
    }
    return { clientId: params.client_id, clientSecret: params.client_secret ?? null, method: params.client_secret !== undefined ? 'body' : 'none' };
  }
  if (queryId !== undefined) {
    return { clientId: queryId, clientSecret: querySecret ?? null, method: 'query' };
  }
  throw OAuthError.invalidClient('Client authentication is required');
}
