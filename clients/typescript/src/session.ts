import { Authorized, CallOptions, Endpoint, endpointsOf, InstallationClient, sendAuthorized } from './api';
import { OAuthError } from './errors';
import { HttpReply } from './http';
import { SmartAppClient, TokenSet, tokenSetOf } from './oauth2';

// A connection's tokens with automatic refresh. Refresh tokens rotate and a spent one presented
// again ends the whole token family (docs/oauth.md), so however many calls find the access token
// expired at once, exactly one refresh_token grant is sent and they all wait for it.

export interface SessionOptions {
  /** called with every new token set (after each refresh): persist it */
  onTokens?: (tokens: TokenSet) => void | Promise<void>;
  /** refresh this many seconds before expiry (default 60) */
  refreshSkewSeconds?: number;
}

export class PlatformSession implements Authorized {
  private current: TokenSet;
  private refreshing: Promise<TokenSet> | null = null;

  constructor(
    private readonly client: SmartAppClient,
    tokens: TokenSet,
    private readonly options: SessionOptions = {},
  ) {
    this.current = tokens;
  }

  get tokens(): TokenSet {
    return this.current;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(nowMs = Date.now()): Promise<string> {
    const skew = (this.options.refreshSkewSeconds ?? 60) * 1000;
    if (this.current.refreshToken && this.current.expiresAt.getTime() - skew <= nowMs) {
      return (await this.refresh()).accessToken;
    }
    return this.current.accessToken;
  }

  /** Refreshes now; concurrent callers share the one grant in flight. */
  refresh(): Promise<TokenSet> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  endpoints(): Promise<Endpoint[]> {
    return endpointsOf(this, `${this.client.platformUrl}/api`);
  }

  /** The installation URL of these tokens (asks the endpoints service unless `uri` is given). */
  async installation(uri?: string): Promise<InstallationClient> {
    if (uri) {
      return new InstallationClient(uri, this);
    }
    const [endpoint] = await this.endpoints();
    if (!endpoint) {
      throw new Error('the endpoints service named no installation for these tokens');
    }
    return new InstallationClient(endpoint.uri, this);
  }

  /** Sends with the bearer token; a 401 (revoked early, clock skew) is retried once after a refresh. */
  async request(method: string, url: string, options: CallOptions, what: string): Promise<HttpReply> {
    const token = await this.accessToken();
    const reply = await sendAuthorized(method, url, options, what, `Bearer ${token}`);
    if (reply.status !== 401 || !this.current.refreshToken) {
      return reply;
    }
    // another call may have refreshed meanwhile: then use its token instead of refreshing again
    let fresh = this.current.accessToken;
    if (fresh === token) {
      try {
        fresh = (await this.refresh()).accessToken;
      } catch (err) {
        // the refresh token is dead too (uninstalled, revoked): the call's own 401 is the answer
        if (err instanceof OAuthError) {
          return reply;
        }
        throw err;
      }
    }
    return sendAuthorized(method, url, options, what, `Bearer ${fresh}`);
  }

  private async doRefresh(): Promise<TokenSet> {
    const refreshToken = this.current.refreshToken;
    if (!refreshToken) {
      throw new Error('these tokens have no refresh token (ask for the offline_access scope)');
    }
    const next = tokenSetOf(await this.client.refresh(refreshToken), this.current);
    this.current = next;
    await this.options.onTokens?.(next);
    return next;
  }
}
