import { SUPPORTED_SCOPES } from '../oauth/clients.service';
import type { OAuthClient } from '../oauth/oauth-client.entity';
import { redirectUriProblem } from '../oauth/redirect-uri';

export type RegistrationErrorCode = 'invalid_redirect_uri' | 'invalid_client_metadata';

/** RFC 7591 §3.2.2 error. */
export class RegistrationError extends Error {
  constructor(
    readonly code: RegistrationErrorCode,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface ClientMetadata {
  clientId: string | null;
  clientSecret: string | null;
  name: string | null;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  tokenEndpointAuthMethod: OAuthClient['tokenEndpointAuthMethod'];
  smartAppId: string | null;
  /** SmartThings-classic habits accepted (docs/oauth.md): non-expiring tokens, no refresh token */
  classicCompat: boolean;
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
const GRANT_TYPES = ['authorization_code', 'refresh_token'];

function list(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  // the SMART auth-proxy's form sends lists as one string, separated by commas or spaces
  if (typeof value === 'string') {
    return value.split(/[\s,]+/).filter((v) => v !== '');
  }
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
    return value;
  }
  throw new RegistrationError('invalid_client_metadata', `${field} must be a list of strings`);
}

function flag(value: unknown, field: string): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 'false') {
    return false;
  }
  if (value === true || value === 'true') {
    return true;
  }
  throw new RegistrationError('invalid_client_metadata', `${field} must be true or false`);
}

function text(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  if (typeof value !== 'string' || value.length > max) {
    throw new RegistrationError('invalid_client_metadata', `${field} must be a string of at most ${max} characters`);
  }
  return value;
}

/**
 * Reads RFC 7591 JSON metadata or the SMART auth-proxy's form fields
 * (`client_id, client_secret, client_name, redirect_uris, scopes`) into one shape.
 */
export function readClientMetadata(raw: unknown): ClientMetadata {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RegistrationError('invalid_client_metadata', 'The body must be a JSON object or form fields');
  }
  const body = raw as Record<string, unknown>;
  const redirectUris = list(body.redirect_uris, 'redirect_uris') ?? [];
  if (redirectUris.length === 0) {
    throw new RegistrationError('invalid_redirect_uri', 'redirect_uris must name at least one redirect URI');
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) {
      throw new RegistrationError('invalid_redirect_uri', problem);
    }
  }
  const classicCompat = flag(body.classic_compat, 'classic_compat');
  const grantTypes = list(body.grant_types, 'grant_types') ?? (classicCompat ? ['authorization_code'] : GRANT_TYPES);
  if (classicCompat && grantTypes.includes('refresh_token')) {
    throw new RegistrationError('invalid_client_metadata', 'A classic_compat client gets non-expiring tokens and no refresh token: leave refresh_token out of grant_types');
  }
  const unknownGrant = grantTypes.find((g) => !GRANT_TYPES.includes(g));
  if (unknownGrant || !grantTypes.includes('authorization_code')) {
    throw new RegistrationError('invalid_client_metadata', `grant_types may hold authorization_code and refresh_token only${unknownGrant ? ` (not ${unknownGrant})` : ''}`);
  }
  const responseTypes = list(body.response_types, 'response_types');
  if (responseTypes && responseTypes.some((r) => r !== 'code')) {
    throw new RegistrationError('invalid_client_metadata', 'response_types may hold code only');
  }
  const method = body.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof method !== 'string' || !(AUTH_METHODS as readonly string[]).includes(method)) {
    throw new RegistrationError('invalid_client_metadata', `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  const scopes = list(body.scope, 'scope') ?? list(body.scopes, 'scopes') ?? [...SUPPORTED_SCOPES];
  const unknownScope = scopes.find((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s));
  if (unknownScope) {
    throw new RegistrationError('invalid_client_metadata', `Unknown scope ${unknownScope} (supported: ${SUPPORTED_SCOPES.join(' ')})`);
  }
  const clientId = text(body.client_id, 'client_id', 100);
  if (clientId !== null && !/^[A-Za-z0-9._~-]{3,100}$/.test(clientId)) {
    throw new RegistrationError('invalid_client_metadata', 'client_id may hold 3 to 100 of A-Z a-z 0-9 . _ ~ -');
  }
  const clientSecret = text(body.client_secret, 'client_secret', 200);
  if (clientSecret !== null && clientSecret.length < 32) {
    throw new RegistrationError('invalid_client_metadata', 'client_secret must be at least 32 characters (or leave it out to get a random one)');
  }
  if (clientSecret !== null && method === 'none') {
    throw new RegistrationError('invalid_client_metadata', 'A public client (token_endpoint_auth_method none) has no client_secret');
  }
  return {
    clientId,
    clientSecret,
    name: text(body.client_name, 'client_name', 200),
    redirectUris,
    grantTypes,
    scopes,
    tokenEndpointAuthMethod: method as OAuthClient['tokenEndpointAuthMethod'],
    smartAppId: text(body.smartapp_id, 'smartapp_id', 36),
    classicCompat,
  };
}
