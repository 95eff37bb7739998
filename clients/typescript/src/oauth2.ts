import { CallbackError, OAuthError } from './errors';
import { expectOk, send } from './http';
import { newPkcePair, newState } from './pkce';

// The OAuth 2.0 side of a client: the authorization request (PKCE S256 + state), the callback,
// the code exchange and the refresh_token grant at {platformUrl}/oauth/token (docs/oauth.md).

export interface ClientOptions {
  /** the platform's BASE_URL, e.g. https://platform.example */
  platformUrl: string;
  clientId: string;
  /** omit for a public client (PKCE only) */
  clientSecret?: string | null;
  redirectUri: string;
  /** default `app offline_access` */
  scope?: string;
  timeoutMs?: number;
}

/** The token endpoint's reply (docs/contract.md). */
export interface TokenReply {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  installation_id: string;
}

/** Tokens as the SDK keeps them; persist this to resume a session later. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
  scope: string;
  installationId: string;
}

/** What to keep (server-side, per browser) between the authorization request and the callback. */
export interface PendingAuthorization {
  state: string;
  codeVerifier: string;
}

export type CallbackQuery = URLSearchParams | string | Record<string, unknown>;

export function tokenSetOf(reply: TokenReply, previous: TokenSet | null = null, nowMs = Date.now()): TokenSet {
  return {
    accessToken: reply.access_token,
    // a refresh reply always carries the rotated token; keep the old one only if it did not
    refreshToken: reply.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: new Date(nowMs + reply.expires_in * 1000),
    scope: reply.scope,
    installationId: reply.installation_id,
  };
}

function paramsOf(query: CallbackQuery): URLSearchParams {
  if (query instanceof URLSearchParams) {
    return query;
  }
  if (typeof query === 'string') {
    return query.includes('?') ? new URL(query, 'http://callback.invalid').searchParams : new URLSearchParams(query);
  }
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string') {
      out.set(key, value);
    }
  }
  return out;
}

export class SmartAppClient {
  readonly platformUrl: string;

  constructor(readonly options: ClientOptions) {
    this.platformUrl = options.platformUrl.replace(/\/+$/, '');
  }

  /** The URL to send the browser to, and what to keep until the callback. */
  authorizationRequest(extra: Record<string, string> = {}): { url: string; pending: PendingAuthorization } {
    const pkce = newPkcePair();
    const state = newState();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope: this.options.scope ?? 'app offline_access',
      state,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    return { url: `${this.platformUrl}/oauth/authorize?${query.toString()}`, pending: { state, codeVerifier: pkce.verifier } };
  }

  /**
   * The redirect back: checks `state` against the pending request (CallbackError if it does not
   * match), turns `error=…` into an OAuthError (access_denied when the person chose Deny), and
   * exchanges the code.
   */
  async handleCallback(query: CallbackQuery, pending: PendingAuthorization | null): Promise<TokenSet> {
    const params = paramsOf(query);
    if (!pending || params.get('state') !== pending.state) {
      throw new CallbackError('the callback does not belong to an authorization started here (the state does not match)');
    }
    const error = params.get('error');
    if (error) {
      throw new OAuthError(400, Object.fromEntries(params), error, params.get('error_description'), 'Authorization');
    }
    const code = params.get('code');
    if (!code) {
      throw new CallbackError('the callback carries no authorization code');
    }
    return tokenSetOf(await this.exchangeCode(code, pending.codeVerifier));
  }

  exchangeCode(code: string, codeVerifier: string): Promise<TokenReply> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: this.options.redirectUri, code_verifier: codeVerifier }, 'Exchanging the code');
  }

  /** One refresh_token grant. The reply carries a new refresh token: the old one is spent. */
  refresh(refreshToken: string): Promise<TokenReply> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'Refreshing the token');
  }

  // client_secret_basic for a confidential client, client_id in the body for a public one
  private async token(form: Record<string, string>, what: string): Promise<TokenReply> {
    const headers: Record<string, string> = {};
    const fields = { ...form };
    if (this.options.clientSecret) {
      const pair = `${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(this.options.clientSecret)}`;
      headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      fields.client_id = this.options.clientId;
    }
    const reply = await send({ method: 'POST', url: `${this.platformUrl}/oauth/token`, headers, form: Object.entries(fields), what, timeoutMs: this.options.timeoutMs });
    return expectOk(reply, what) as TokenReply;
  }
}
