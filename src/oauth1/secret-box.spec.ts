import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM, rotatable keys)', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('seals so the clear value is not visible, and opens it again', () => {
    const box = new SecretBox([newKey]);
    const sealed = box.seal('consumer-secret');
    expect(sealed).not.toContain('consumer-secret');
    expect(box.open(sealed)).toBe('consumer-secret');
  });

  it('opens values sealed with an old key listed after the current one, and says they are stale', () => {
    const sealed = new SecretBox([oldKey]).seal('s');
    const rotated = new SecretBox([newKey, oldKey]);
    expect(rotated.open(sealed)).toBe('s');
    expect(rotated.isStale(sealed)).toBe(true);
    expect(rotated.isStale(rotated.seal('s'))).toBe(false);
  });

  it('gives null for a retired key or a tampered value', () => {
    const sealed = new SecretBox([oldKey]).seal('s');
    expect(new SecretBox([newKey]).open(sealed)).toBeNull();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(new SecretBox([oldKey]).open(parts.join('.'))).toBeNull();
  });
});
