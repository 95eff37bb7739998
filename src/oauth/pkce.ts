import { createHash } from 'node:crypto';
import { constantTimeEquals } from '../common/secrets';

// RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"
const VERIFIER_OR_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isWellFormedPkceValue(value: string): boolean {
  return VERIFIER_OR_CHALLENGE.test(value);
}

export function pkceMatches(method: 'S256' | 'plain', challenge: string, verifier: string): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  return constantTimeEquals(derived, challenge);
}
