import type { Request } from 'express';
import { OAuthError } from './oauth-error';

export interface PresentedCredentials {
  clientId: string;
  clientSecret: string | null;
  method: 'basic' | 'body' | 'query' | 'none';
  /** HTTP Basic and body credentials both sent (SmartThings-classic clients do): the body's values */
  alsoInBody?: { clientId: string | undefined; clientSecret: string };
}

/** Where the token request's parameters came from: the body, or (classic clients only) the query string. */
export interface TokenParameters {
  params: Record<string, string>;
  inQuery: boolean;
}

function singleValued(source: Record<string, unknown>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
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

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The token endpoint's parameters. A GET, or a POST with no body at all, carries them in the query
 * string (SmartThings classic allowed both); the caller accepts that for classic clients only.
 */
export function tokenParameters(req: Request): TokenParameters {
  const query = req.query as Record<string, unknown>;
  const bodyIsEmpty = req.method === 'GET' || !hasBody(req) || (req.body !== null && typeof req.body === 'object' && Object.keys(req.body as object).length === 0);
  if (bodyIsEmpty && Object.keys(query).length > 0) {
    return { params: singleValued(query), inQuery: true };
  }
  return { params: formParameters(req), inQuery: false };
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
  return singleValued(body as Record<string, unknown>);
}

function queryParameter(req: Request, name: string): string | undefined {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads the client's credentials (RFC 6749 §2.3.1): HTTP Basic or body parameters, never both
 * (classic clients: both, when identical). Query-string credentials are read only so the caller
 * can allow them for classic clients.
 */
export function presentedCredentials(req: Request, params: Record<string, string>, inQuery = false): PresentedCredentials {
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
      // refused or compared by the authenticator, which knows whether the client is a classic one
      return { clientId, clientSecret, method: 'basic', alsoInBody: { clientId: params.client_id, clientSecret: params.client_secret } };
    }
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id in the body does not match HTTP Basic');
    }
    return { clientId, clientSecret, method: 'basic' };
  }
  if (inQuery && params.client_id !== undefined) {
    return { clientId: params.client_id, clientSecret: params.client_secret ?? null, method: 'query' };
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
