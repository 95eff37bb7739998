import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random token of `bytes` bytes (32 = 256 bits), URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens, codes and secrets are stored only as this hash. */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}

/** Compares two strings in constant time (for equal lengths; lengths are not secret). */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
