import { createHmac } from 'node:crypto';

// RFC 5849 §3.4: the signature base string and HMAC-SHA1.

/** RFC 5849 §3.6: RFC 3986 unreserved characters stay, everything else is %XX (upper case). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type Param = [string, string];

/** RFC 5849 §3.5.1: `OAuth k="v", …` → its parameters (realm excluded), or null when malformed. */
export function parseAuthorizationHeader(header: string): Param[] | null {
  const match = /^OAuth\s+(.*)$/is.exec(header.trim());
  if (!match) {
    return null;
  }
  const params: Param[] = [];
  const rest = match[1].trim();
  if (rest === '') {
    return params;
  }
  for (const part of rest.split(',')) {
    const kv = /^\s*([^=\s]+)\s*=\s*"([^"]*)"\s*$/.exec(part);
    if (!kv) {
      return null;
    }
    try {
      const name = decodeURIComponent(kv[1]);
      if (name !== 'realm') {
        params.push([name, decodeURIComponent(kv[2])]);
      }
    } catch {
      return null;
    }
  }
  return params;
}

/** RFC 5849 §3.4.1.2: scheme and host lower case, default port dropped, no query or fragment. */
export function baseStringUri(url: URL): string {
  const defaultPort = (url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443');
  const port = url.port && !defaultPort ? `:${url.port}` : '';
  return `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${port}${url.pathname}`;
}

/** RFC 5849 §3.4.1.3.2: every parameter but oauth_signature, encoded, sorted by name then value. */
export function normalizedParameters(params: Param[]): string {
  return params
    .filter(([name]) => name !== 'oauth_signature')
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** RFC 5849 §3.4.1.1. */
export function signatureBaseString(method: string, uri: string, params: Param[]): string {
  return [method.toUpperCase(), percentEncode(uri), percentEncode(normalizedParameters(params))].join('&');
}

/** RFC 5849 §3.4.2: HMAC-SHA1 keyed with consumer secret & token secret, base64. */
export function hmacSha1(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString).digest('base64');
}

/** Query (or form) parameters as name/value pairs, repeated names kept (RFC 5849 §3.4.1.3.1). */
export function pairsOf(source: unknown): Param[] {
  const pairs: Param[] = [];
  if (!source || typeof source !== 'object') {
    return pairs;
  }
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') {
        pairs.push([name, v]);
      }
    }
  }
  return pairs;
}
