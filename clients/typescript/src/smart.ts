import { Authorized, CallOptions, Endpoint, endpointsOf, formPairs, InstallationClient, sendAuthorized } from './api';
import { CallbackError, PlatformError } from './errors';
import { expectOk, HttpReply, send } from './http';
import { OAuth1Credentials, Param, signRequest } from './oauth1';

// The SMART-container door (docs/smart-sdk.md): the manifest, the launch parameters, the OAuth
// 1.0a dance (request token → the person authorizes → access token) and signed REST calls to the
// endpoints service and the installation URL.

/** GET {BASE_URL}/api/manifest */
export interface Manifest {
  version: string;
  name?: string;
  api_base: string;
  launch_urls: { request_token_url: string; authorize_token_url: string; exchange_token_url: string };
  [key: string]: unknown;
}

export interface SmartClientOptions {
  /** the platform's BASE_URL */
  platformUrl: string;
  consumerKey: string;
  consumerSecret: string;
  timeoutMs?: number;
}

export interface RequestToken {
  token: string;
  tokenSecret: string;
  callbackConfirmed: boolean;
}

export interface AccessToken {
  token: string;
  tokenSecret: string;
  /** the location the app was authorized on */
  recordId: string;
  userId: string;
}

/** What the launch page appends to the app's index_url. */
export interface Launch {
  recordId: string;
  apiBase: string;
}

function field(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') {
    throw new PlatformError(200, body, `the platform's reply has no ${name}`);
  }
  return value;
}

function queryOf(query: URLSearchParams | string): URLSearchParams {
  return typeof query === 'string' ? (query.includes('?') ? new URL(query, 'http://callback.invalid').searchParams : new URLSearchParams(query)) : query;
}

/** `record_id` and `api_base` from the query the launch page sent the browser to the app with. */
export function parseLaunch(query: URLSearchParams | string): Launch {
  const params = queryOf(query);
  const recordId = params.get('record_id');
  const apiBase = params.get('api_base');
  if (!recordId || !apiBase) {
    throw new CallbackError('the launch carries no record_id and api_base');
  }
  return { recordId, apiBase };
}

export class SmartClient {
  readonly platformUrl: string;
  private manifestPromise: Promise<Manifest> | null = null;

  constructor(readonly options: SmartClientOptions) {
    this.platformUrl = options.platformUrl.replace(/\/+$/, '');
  }

  /** The container's manifest (fetched once). */
  manifest(): Promise<Manifest> {
    if (!this.manifestPromise) {
      const what = 'Reading the manifest';
      this.manifestPromise = send({ method: 'GET', url: `${this.platformUrl}/api/manifest`, what, timeoutMs: this.options.timeoutMs }).then((reply) => expectOk(reply, what) as Manifest);
      this.manifestPromise.catch(() => {
        this.manifestPromise = null;
      });
    }
    return this.manifestPromise;
  }

  /** POST request_token_url for the record (location) the app was launched on; `callback` `oob` means the registered callback_url. */
  async requestToken(recordId: string, callback = 'oob'): Promise<RequestToken> {
    const url = (await this.manifest()).launch_urls.request_token_url;
    const body = await this.signedForm(url, { consumerKey: this.options.consumerKey, consumerSecret: this.options.consumerSecret }, { oauth_callback: callback, smart_record_id: recordId }, 'Asking for a request token');
    return { token: field(body, 'oauth_token'), tokenSecret: field(body, 'oauth_token_secret'), callbackConfirmed: field(body, 'oauth_callback_confirmed') === 'true' };
  }

  /** Where to send the person to authorize the request token. */
  async authorizeUrl(requestToken: string): Promise<string> {
    const url = new URL((await this.manifest()).launch_urls.authorize_token_url);
    url.searchParams.set('oauth_token', requestToken);
    return url.toString();
  }

  /** The redirect to the callback_url: the verifier, or a CallbackError when the person chose Deny or the token is not ours. */
  parseCallback(query: URLSearchParams | string, requestToken: string): string {
    const params = queryOf(query);
    if (params.get('denied') !== null) {
      throw new CallbackError('the person denied the authorization');
    }
    const verifier = params.get('oauth_verifier');
    if (params.get('oauth_token') !== requestToken || !verifier) {
      throw new CallbackError('the callback does not carry this request token and a verifier');
    }
    return verifier;
  }

  /** POST exchange_token_url, signed with the request token's secret: the access token of the installation. */
  async accessToken(requestToken: RequestToken, verifier: string): Promise<AccessToken> {
    const url = (await this.manifest()).launch_urls.exchange_token_url;
    const credentials = { consumerKey: this.options.consumerKey, consumerSecret: this.options.consumerSecret, token: requestToken.token, tokenSecret: requestToken.tokenSecret };
    const body = await this.signedForm(url, credentials, { oauth_verifier: verifier }, 'Exchanging the request token');
    return { token: field(body, 'oauth_token'), tokenSecret: field(body, 'oauth_token_secret'), recordId: field(body, 'record_id'), userId: field(body, 'user_id') };
  }

  /** Signed REST calls with an access token. */
  session(access: Pick<AccessToken, 'token' | 'tokenSecret'>, apiBase = `${this.platformUrl}/api`): SignedSession {
    return new SignedSession({ consumerKey: this.options.consumerKey, consumerSecret: this.options.consumerSecret, token: access.token, tokenSecret: access.tokenSecret }, apiBase);
  }

  private async signedForm(url: string, credentials: OAuth1Credentials, params: Record<string, string>, what: string): Promise<unknown> {
    const signed = signRequest({ method: 'POST', url }, credentials, { params });
    return expectOk(await send({ method: 'POST', url, headers: { Authorization: signed.header }, what, timeoutMs: this.options.timeoutMs }), what);
  }
}

/** Every request signed with the access token (HMAC-SHA1; query and form parameters in the base string). */
export class SignedSession implements Authorized {
  constructor(
    private readonly credentials: OAuth1Credentials,
    readonly apiBase: string,
  ) {}

  endpoints(): Promise<Endpoint[]> {
    return endpointsOf(this, this.apiBase);
  }

  async installation(uri?: string): Promise<InstallationClient> {
    if (uri) {
      return new InstallationClient(uri, this);
    }
    const [endpoint] = await this.endpoints();
    if (!endpoint) {
      throw new Error('the endpoints service named no installation for this access token');
    }
    return new InstallationClient(endpoint.uri, this);
  }

  request(method: string, url: string, options: CallOptions, what: string): Promise<HttpReply> {
    const form: Param[] | undefined = formPairs(options.form);
    const signed = signRequest({ method, url, form }, this.credentials);
    return sendAuthorized(method, url, options, what, signed.header);
  }
}
