// Pure URL-path helper shared by the callback prefix rules (developer) and the callback URL check (events).

/**
 * The path as a receiver may understand it: percent-decoded (so `%2f` is a slash and `%2e` a dot),
 * backslashes as slashes, dot segments (`..;x` too) resolved, repeated slashes collapsed. Null when it cannot be decoded or still holds an
 * escape after decoding (double encoding): such a URL is refused rather than guessed at.
 */
export function normalisedPath(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (/%[0-9a-f]{2}/i.test(decoded) || decoded.includes('\0')) {
    return null;
  }
  const segments: string[] = [];
  const parts = decoded.replace(/\\/g, '/').split('/');
  for (const [i, part] of parts.entries()) {
    // `..;x` is `..` to some servers (path parameters)
    const bare = part.split(';')[0];
    if (bare === '..') {
      segments.pop();
    } else if (bare !== '.' && (part !== '' || i === parts.length - 1)) {
      segments.push(part);
    }
  }
  const last = parts[parts.length - 1].split(';')[0];
  const trailing = last === '.' || last === '..' ? '/' : '';
  return `/${segments.join('/')}${trailing}`.replace(/\/{2,}/g, '/');
}
