/** Exact string comparison with a registered URI: no prefix, case, slash or query leniency. */
export function isRegisteredRedirectUri(registered: string[], candidate: string): boolean {
  return registered.some((uri) => uri === candidate);
}

/** Adds response parameters to a redirect URI, keeping its own query. */
export function withResponseParams(redirectUri: string, params: Record<string, string | undefined | null>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) {
      url.searchParams.set(key, value);
    }
  }
  return url.toString();
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Rules for a redirect URI at registration: https (or http on loopback), absolute, no fragment, no wildcard. */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${uri} is not an absolute URL`;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    return `${uri} must use https (http only on localhost, 127.0.0.1 or [::1])`;
  }
  if (uri.includes('#')) {
    return `${uri} must not have a fragment`;
  }
  if (uri.includes('*')) {
    return `${uri} must not contain wildcards`;
  }
  if (url.username || url.password) {
    return `${uri} must not contain credentials`;
  }
  return null;
}
