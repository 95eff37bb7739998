import { createHash } from 'node:crypto';
import { isWellFormedPkceValue, pkceMatches } from './pkce';

describe('PKCE (RFC 7636)', () => {
  // RFC 7636 Appendix B
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('derives S256 as in the RFC’s example', () => {
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
    expect(pkceMatches('S256', challenge, verifier)).toBe(true);
    expect(pkceMatches('S256', challenge, verifier.replace('d', 'e'))).toBe(false);
  });

  it('compares plain verbatim', () => {
    expect(pkceMatches('plain', verifier, verifier)).toBe(true);
    expect(pkceMatches('plain', verifier, challenge)).toBe(false);
  });

  it('accepts 43 to 128 unreserved characters only', () => {
    expect(isWellFormedPkceValue('a'.repeat(43))).toBe(true);
    expect(isWellFormedPkceValue('a'.repeat(128))).toBe(true);
    expect(isWellFormedPkceValue('a'.repeat(42))).toBe(false);
    expect(isWellFormedPkceValue('a'.repeat(129))).toBe(false);
    expect(isWellFormedPkceValue(`${'a'.repeat(42)}+`)).toBe(false);
    expect(isWellFormedPkceValue(`${'a'.repeat(40)}-._~`)).toBe(true);
  });
});
