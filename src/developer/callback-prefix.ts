import { normalisedPath } from '../common/url-path';

/**
 * Rules for a callback prefix (where httpPostJson may post): an absolute http(s) URL without
 * credentials, query, fragment or wildcard, whose path is already in the decoded, normalised form
 * callback URLs are compared in (see common/url-path.ts).
 */
export function callbackPrefixProblem(prefix: string): string | null {
  let url: URL;
  try {
    url = new URL(prefix);
  } catch {
    return `${prefix} is not an absolute URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${prefix} must be an http or https URL`;
  }
  if (url.username || url.password) {
    return `${prefix} must not contain credentials`;
  }
  if (url.search || url.hash || prefix.includes('#') || prefix.includes('?')) {
    return `${prefix} must not have a query or fragment`;
  }
  const path = normalisedPath(url.pathname);
  if (path === null || path !== safeDecode(url.pathname)) {
    return `${prefix} must be a plain path: no dot segments, backslashes, repeated slashes or double encoding`;
  }
  if (prefix.includes('*')) {
    return `${prefix} must not contain wildcards: it is a prefix already`;
  }
  return null;
}

function safeDecode(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}
