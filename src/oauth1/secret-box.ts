import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Consumer and token secrets must be read back in clear to verify HMAC-SHA1, so they are stored
// encrypted (AES-256-GCM) rather than hashed. The first key encrypts; every key decrypts (rotation).
// Format: v1.<key id>.<iv>.<ciphertext>.<tag>, base64url parts; the key id is a hash prefix of the key.
export class SecretBox {
  private readonly keys: { id: string; key: Buffer }[];

  constructor(keys: Buffer[]) {
    if (keys.length === 0 || keys.some((k) => k.length !== 32)) {
      throw new Error('SecretBox needs 32-byte keys');
    }
    this.keys = keys.map((key) => ({ id: createHash('sha256').update(key).digest('hex').slice(0, 8), key }));
  }

  seal(clear: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The clear value, or null when no configured key opens it (a retired key, or tampering). */
  open(sealed: string): string | null {
    const [version, id, iv, body, tag] = sealed.split('.');
    const entry = this.keys.find((k) => k.id === id);
    if (version !== 'v1' || !entry || iv === undefined || body === undefined || tag === undefined) {
      return null;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** True when the value was sealed with an older key (re-seal it with the current one). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0].id;
  }
}
