import { randomBytes } from 'node:crypto';

// Webhook secrets in the Standard Webhooks form, `whsec_<base64 key>`: shared by the OAuth clients
// (which hold them) and the callback sender (which signs with them).

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new secret: `whsec_` + base64 of 32 random bytes (the spec asks 24 to 64). */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * A secret in the `whsec_<base64>` form. A secret chosen as plain text (the demo seed, one from
 * before Standard Webhooks) becomes `whsec_` + base64 of its bytes: the HMAC key stays the same
 * bytes, so a receiver holding the plain text can keep using it as a raw key.
 */
export function asWebhookSecret(secret: string): string {
  return secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret : WEBHOOK_SECRET_PREFIX + Buffer.from(secret, 'utf8').toString('base64');
}

/** The HMAC key: the base64 part of `whsec_…`, decoded. */
export function webhookKey(secret: string): Buffer {
  return Buffer.from(asWebhookSecret(secret).slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}
