import { createHash, randomBytes } from 'node:crypto';

// RFC 7636: the verifier stays here; only its S256 hash travels with the authorization request.
export function newPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The `state` that ties the callback to the browser that started the flow. */
export function newState(): string {
  return randomBytes(24).toString('base64url');
}
