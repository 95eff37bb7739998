import { createHash, randomBytes } from 'node:crypto';

// RFC 7636: the verifier stays with the client; only its S256 hash travels with the authorization request.
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** The `state` that ties a callback to the browser that started the flow (RFC 6749 §10.12). */
export function newState(): string {
  return randomBytes(24).toString('base64url');
}
