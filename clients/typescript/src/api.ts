import { expectOk, HttpReply, send } from './http';

// The endpoints service and the installation URL, whichever way a request is authorized (a bearer
// token that refreshes itself, or an OAuth 1.0a signature).

/** One element of GET /api/smartapps/endpoints (docs/contract.md). */
export interface Endpoint {
  oauthClient: { clientId: string; authorizedGrantTypes: string };
  location: { id: string; name: string };
  uri: string;
  base_url: string;
  url: string;
}

export interface CallOptions {
  /** sent as JSON */
  json?: unknown;
  /** sent form-encoded (signed too, under OAuth 1.0a) */
  form?: Record<string, string> | [string, string][];
  query?: Record<string, string>;
  timeoutMs?: number;
}

/** Sends one request with its Authorization header; the session's own retry rules live behind it. */
export interface Authorized {
  request(method: string, url: string, options: CallOptions, what: string): Promise<HttpReply>;
}

export function withQuery(url: string, query: Record<string, string> | undefined): string {
  if (!query || Object.keys(query).length === 0) {
    return url;
  }
  const u = new URL(url);
  for (const [key, value] of Object.entries(query)) {
    u.searchParams.append(key, value);
  }
  return u.toString();
}

export function formPairs(form: CallOptions['form']): [string, string][] | undefined {
  return form === undefined ? undefined : Array.isArray(form) ? form : Object.entries(form);
}

/** A request with a fixed Authorization header value, built per request. */
export async function sendAuthorized(method: string, url: string, options: CallOptions, what: string, authorization: string): Promise<HttpReply> {
  return send({ method, url, headers: { Authorization: authorization }, json: options.json, form: formPairs(options.form), timeoutMs: options.timeoutMs, what });
}

/** A fixed bearer access token, never refreshed (the caller refreshes: see PlatformSession for automatic refresh). */
export class BearerToken implements Authorized {
  constructor(readonly accessToken: string) {}

  request(method: string, url: string, options: CallOptions, what: string): Promise<HttpReply> {
    return sendAuthorized(method, url, options, what, `Bearer ${this.accessToken}`);
  }
}

/** Calls on one installation URL (`uri` from the endpoints service). Paths are the SmartApp's mappings. */
export class InstallationClient {
  constructor(
    readonly uri: string,
    private readonly auth: Authorized,
  ) {}

  get<T = unknown>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', path, options);
  }

  post<T = unknown>(path: string, json?: unknown, options: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', path, { ...options, json });
  }

  put<T = unknown>(path: string, json?: unknown, options: CallOptions = {}): Promise<T> {
    return this.call<T>('PUT', path, { ...options, json });
  }

  delete<T = unknown>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('DELETE', path, options);
  }

  /** DELETE on the installation URL itself: uninstalls; every token of it stops working. */
  async uninstall(): Promise<void> {
    await this.call('DELETE', '', {});
  }

  /** The OpenAPI document of this installation's mappings. */
  openapi(): Promise<Record<string, unknown>> {
    return this.call('GET', '/openapi.json', {});
  }

  /** Any method on `{uri}{path}`; the reply's JSON (null for 204), or a typed error. */
  async call<T = unknown>(method: string, path: string, options: CallOptions): Promise<T> {
    const suffix = path === '' || path.startsWith('/') ? path : `/${path}`;
    const what = `${method} ${suffix || '/'}`;
    const reply = await this.auth.request(method, withQuery(`${this.uri}${suffix}`, options.query), options, what);
    return expectOk(reply, what) as T;
  }
}

/** GET {apiBase}/smartapps/endpoints: the one installation the credentials belong to. */
export async function endpointsOf(auth: Authorized, apiBase: string): Promise<Endpoint[]> {
  const what = 'Asking for the endpoints';
  return expectOk(await auth.request('GET', `${apiBase}/smartapps/endpoints`, {}, what), what) as Endpoint[];
}
