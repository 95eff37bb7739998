import { createHmac, randomBytes } from 'node:crypto';

// OAuth 1.0a request signing, HMAC-SHA1, header form (RFC 5849): what a SMART app sends to the
// request-token, access-token and signed REST endpoints. Section numbers are RFC 5849's.

export type Param = [string, string];

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  /** the request token or access token, once there is one */
  token?: string;
  tokenSecret?: string;
}

export interface OAuth1Request {
  method: string;
  /** the absolute URL, query included (its parameters are signed) */
  url: string;
  /** an application/x-www-form-urlencoded body (its parameters are signed, §3.4.1.3.1) */
  form?: Param[];
}

export interface OAuth1Options {
  /** more Authorization header parameters, signed too: oauth_callback, oauth_verifier, smart_record_id */
  params?: Record<string, string>;
  nonce?: string;
  /** Unix seconds */
  timestamp?: number;
  realm?: string;
  /** `oauth_version`; null leaves it out (it is optional, §3.1) */
  version?: string | null;
}

export interface SignedRequest {
  /** the Authorization header value (§3.5.1) */
  header: string;
  /** the protocol parameters, oauth_signature included */
  params: Param[];
  baseString: string;
  signature: string;
}

/** §3.6: RFC 3986 percent-encoding, every octet but the unreserved characters, in UTF-8. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** §3.4.1.2: scheme and host in lower case, the port only when not the default, no query or fragment. */
export function baseStringUri(url: string | URL): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** §3.4.1.3.2: encoded, sorted by name then value, joined with `=` and `&`. */
export function normalizeParameters(params: Param[]): string {
  return params
    .map(([name, value]): Param => [percentEncode(name), percentEncode(value)])
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** §3.4.1.3.1: the query's parameters (decoded as a form: `+` is a space). */
export function queryParameters(url: string | URL): Param[] {
  return [...new URL(url).searchParams.entries()];
}

/** §3.4.1: method, base string URI and normalized parameters, each encoded, joined with `&`. */
export function signatureBaseString(method: string, url: string | URL, params: Param[]): string {
  return [method.toUpperCase(), baseStringUri(url), normalizeParameters(params)].map(percentEncode).join('&');
}

/** §3.4.2: HMAC-SHA1 keyed with the encoded consumer secret `&` the encoded token secret, base64. */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret = ''): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString, 'utf8').digest('base64');
}

/** §3.5.1: `OAuth realm="…", name="value", …` with encoded names and values. */
export function authorizationHeader(params: Param[], realm?: string): string {
  const parts = params.map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`);
  return `OAuth ${realm === undefined ? '' : `realm="${realm.replace(/"/g, '')}", `}${parts.join(', ')}`;
}

/** §3.3: a nonce unique for the timestamp (128 random bits). */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Signs one request: the protocol parameters, the base string and the Authorization header. */
export function signRequest(request: OAuth1Request, credentials: OAuth1Credentials, options: OAuth1Options = {}): SignedRequest {
  const protocol: Param[] = [
    ['oauth_consumer_key', credentials.consumerKey],
    ['oauth_nonce', options.nonce ?? newNonce()],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(options.timestamp ?? Math.floor(Date.now() / 1000))],
  ];
  if (credentials.token !== undefined) {
    protocol.push(['oauth_token', credentials.token]);
  }
  const version = options.version === undefined ? '1.0' : options.version;
  if (version !== null) {
    protocol.push(['oauth_version', version]);
  }
  protocol.push(...Object.entries(options.params ?? {}));
  const all = [...queryParameters(request.url), ...protocol, ...(request.form ?? [])];
  const baseString = signatureBaseString(request.method, request.url, all);
  const signature = hmacSha1Signature(baseString, credentials.consumerSecret, credentials.tokenSecret ?? '');
  const params: Param[] = [...protocol, ['oauth_signature', signature]];
  return { header: authorizationHeader(params, options.realm), params, baseString, signature };
}
