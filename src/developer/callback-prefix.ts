/** Rules for a callback prefix (where httpPostJson may post): an absolute http(s) URL without credentials, query, fragment or wildcard. */
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
  if (prefix.includes('*')) {
    return `${prefix} must not contain wildcards: it is a prefix already`;
  }
  return null;
}
