/** `return_to` after log-in: a same-origin path only (no scheme, no //host, no backslash tricks). */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\') || /[\r\n\t]/.test(value)) {
    return '/';
  }
  return value;
}
