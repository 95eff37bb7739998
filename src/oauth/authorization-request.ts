import { PageError } from '../common/api-errors';
import { SUPPORTED_SCOPES } from './clients.service';
import { OAuthClient } from './oauth-client.entity';
import { OAuthErrorCode } from './oauth-error';
import { isWellFormedPkceValue } from './pkce';
import { isRegisteredRedirectUri } from './redirect-uri';

export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  scope: string;
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
}

/** An error the client may learn of: sent to its (already verified) redirect URI. */
export class RedirectableError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly redirectUri: string,
    readonly state: string | null,
  ) {
    super(description);
  }
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new PageError(400, 'This authorization link is not valid', `The parameter ${name} is given more than once or is malformed.`);
  }
  return value;
}

/**
 * Checks an authorization request. Until the client and its redirect URI are known to be
 * genuine, every problem is shown on our own page (never a redirect: no open redirector).
 */
export function checkAuthorizationRequest(query: Record<string, unknown>, findClient: (id: string) => Promise<OAuthClient | null>): Promise<AuthorizationRequest> {
  return (async () => {
    const clientId = single(query, 'client_id');
    const requestedRedirect = single(query, 'redirect_uri');
    const client = clientId ? await findClient(clientId) : null;
    if (!client) {
      throw new PageError(400, 'Unknown application', 'The application that sent you here is not registered with this platform. Go back and contact the application’s developer.');
    }
    let redirectUri: string;
    if (requestedRedirect === undefined) {
      if (client.redirectUris.length !== 1) {
        throw new PageError(400, 'Missing redirect address', 'The application did not say where to send you back, and it has several registered addresses.');
      }
      redirectUri = client.redirectUris[0];
    } else if (isRegisteredRedirectUri(client.redirectUris, requestedRedirect)) {
      redirectUri = requestedRedirect;
    } else {
      throw new PageError(400, 'Unregistered redirect address', 'The application asked to send you back to an address it has not registered. You have not been redirected.');
    }
    let state: string | null = null;
    const fail = (code: OAuthErrorCode, description: string): RedirectableError => new RedirectableError(code, description, redirectUri, state);
    try {
      state = single(query, 'state') ?? null;
    } catch {
      throw fail('invalid_request', 'state is given more than once');
    }
    const readOrFail = (name: string): string | undefined => {
      try {
        return single(query, name);
      } catch {
        throw fail('invalid_request', `${name} is given more than once`);
      }
    };
    const responseType = readOrFail('response_type');
    if (responseType === undefined) {
      throw fail('invalid_request', 'response_type is required');
    }
    if (responseType !== 'code') {
      throw fail('unsupported_response_type', 'Only response_type=code is supported');
    }
    const isPublic = client.clientSecretHash === null;
    const requested = (readOrFail('scope') ?? '').split(' ').filter((s) => s !== '');
    const unknown = requested.filter((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s) || !client.scopes.includes(s));
    if (unknown.length > 0) {
      throw fail('invalid_scope', `Unknown scope: ${unknown.join(' ')}`);
    }
    // exactly what was asked (strict clients warn or stop when the reply's scope differs); a
    // confidential client gets its refresh token without asking for offline_access (TokensService)
    const scopes = new Set(requested.length ? requested : ['app']);
    scopes.add('app');
    const codeChallenge = readOrFail('code_challenge') ?? null;
    const method = readOrFail('code_challenge_method');
    let codeChallengeMethod: 'S256' | 'plain' | null = null;
    if (codeChallenge !== null) {
      codeChallengeMethod = method === undefined ? 'plain' : method === 'S256' || method === 'plain' ? method : null;
      if (codeChallengeMethod === null) {
        throw fail('invalid_request', 'code_challenge_method must be S256');
      }
      if (codeChallengeMethod === 'plain' && !client.allowPlainPkce) {
        throw fail('invalid_request', 'code_challenge_method must be S256');
      }
      if (!isWellFormedPkceValue(codeChallenge)) {
        throw fail('invalid_request', 'code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
      }
    } else if (method !== undefined) {
      throw fail('invalid_request', 'code_challenge_method given without code_challenge');
    } else if (isPublic) {
      throw fail('invalid_request', 'PKCE (code_challenge with S256) is required for public clients');
    }
    return { client, redirectUri, scope: [...scopes].join(' '), state, codeChallenge, codeChallengeMethod };
  })();
}
