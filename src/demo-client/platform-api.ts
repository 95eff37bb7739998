import { DemoClientSettings, redirectUriOf } from './demo-client.settings';

// Every call the demo service makes to the platform, over plain HTTP with fetch: the OAuth token
// endpoint, the endpoints service and the installation URL (CONTRACT §1–§3).

export interface TokenReply {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  installation_id: string;
}

export interface Endpoint {
  oauthClient: { clientId: string; authorizedGrantTypes: string };
  location: { id: string; name: string };
  uri: string;
  base_url: string;
  url: string;
}

export interface SwitchReading {
  id: string;
  name: string;
  value: string;
}

/** The platform answered with an error status; `body` is its JSON (or text). */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: the platform answered ${status} ${describe(body)}`);
  }
}

function describe(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const code = typeof b.error === 'string' ? b.error : typeof b.type === 'string' ? b.type : '';
    const text = typeof b.error_description === 'string' ? b.error_description : typeof b.message === 'string' ? b.message : '';
    return [code, text].filter((s) => s !== '').join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

const TIMEOUT_MS = 10_000;

export class PlatformApi {
  constructor(private readonly settings: DemoClientSettings) {}

  /** Where to send the browser: the authorization request with PKCE S256 and state. */
  authorizeUrl(state: string, codeChallenge: string): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: redirectUriOf(this.settings),
      scope: 'app offline_access',
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    });
    return `${this.settings.platformUrl}/oauth/authorize?${query.toString()}`;
  }

  exchangeCode(code: string, codeVerifier: string): Promise<TokenReply> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUriOf(this.settings), code_verifier: codeVerifier }, 'Exchanging the code');
  }

  refresh(refreshToken: string): Promise<TokenReply> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'Refreshing the token');
  }

  async endpoints(accessToken: string): Promise<Endpoint[]> {
    return (await this.call('GET', `${this.settings.platformUrl}/api/smartapps/endpoints`, accessToken, 'Asking for the endpoints')) as Endpoint[];
  }

  async listSwitches(uri: string, accessToken: string): Promise<SwitchReading[]> {
    return (await this.call('GET', `${uri}/switches`, accessToken, 'Listing the switches')) as SwitchReading[];
  }

  async switchOne(uri: string, accessToken: string, switchId: string, command: 'on' | 'off'): Promise<SwitchReading> {
    const path = `${uri}/switches/${encodeURIComponent(switchId)}/${command}`;
    return (await this.call('PUT', path, accessToken, `Turning the switch ${command}`)) as SwitchReading;
  }

  /** Tells Device Bridge where to push switch changes (its PUT /callback mapping). */
  async setCallback(uri: string, accessToken: string, url: string): Promise<void> {
    await this.call('PUT', `${uri}/callback`, accessToken, 'Giving our callback URL', { url });
  }

  /** DELETE on the installation URL uninstalls it; every token of it stops working. */
  async uninstall(uri: string, accessToken: string): Promise<void> {
    await this.call('DELETE', uri, accessToken, 'Disconnecting');
  }

  // Client authentication with HTTP Basic (client_secret_basic), form-encoded body (RFC 6749).
  private async token(form: Record<string, string>, what: string): Promise<TokenReply> {
    const basic = Buffer.from(`${encodeURIComponent(this.settings.clientId)}:${encodeURIComponent(this.settings.clientSecret)}`).toString('base64');
    const res = await fetch(`${this.settings.platformUrl}/oauth/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await readBody(res);
    if (!res.ok) {
      throw new PlatformError(res.status, body, what);
    }
    return body as TokenReply;
  }

  private async call(method: string, url: string, accessToken: string, what: string, json?: object): Promise<unknown> {
    const res = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json', ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await readBody(res);
    if (!res.ok) {
      throw new PlatformError(res.status, body, what);
    }
    return body;
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
