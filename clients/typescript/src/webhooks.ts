import { createHmac, timingSafeEqual } from 'node:crypto';

// Standard Webhooks 1.0 (docs/events.md "Callback signatures"): `webhook-signature` holds
// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret the platform signs with
// (several during a rotation); the timestamp must be within the tolerance. Verified over the raw
// bytes received, never over re-serialised JSON.

const PREFIX = 'whsec_';

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}

export interface VerifiedWebhook {
  /** the delivery id: the same on every retry, so take each one once */
  id: string;
  timestamp: number;
  /** the body parsed as JSON; undefined when it is not JSON (it was still signed) */
  payload: unknown;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** The HMAC key of a secret: `whsec_<base64>` as the platform hands it out, else the text's bytes. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

function header(headers: WebhookHeaders, name: string): string | null {
  if (headers instanceof Headers) {
    return headers.get(name);
  }
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const value = Array.isArray(found) ? found[0] : found;
  return typeof value === 'string' && value !== '' ? value : null;
}

export class WebhookVerifier {
  private readonly keys: Buffer[];

  /** One secret, or several while the receiver itself rotates. */
  constructor(
    secret: string | string[],
    private readonly toleranceSeconds = 300,
  ) {
    this.keys = (Array.isArray(secret) ? secret : [secret]).map(webhookKey);
  }

  /** The verified delivery, or a WebhookVerificationError saying why not. */
  verify(headers: WebhookHeaders, rawBody: string | Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): VerifiedWebhook {
    const id = header(headers, 'webhook-id');
    const timestamp = header(headers, 'webhook-timestamp');
    const signatures = header(headers, 'webhook-signature');
    if (!id || !timestamp || !signatures) {
      throw new WebhookVerificationError('the request is not signed (webhook-id, webhook-timestamp and webhook-signature are required)');
    }
    const at = /^\d+$/.test(timestamp) ? Number(timestamp) : NaN;
    if (!Number.isSafeInteger(at)) {
      throw new WebhookVerificationError('webhook-timestamp is not a number of seconds');
    }
    if (Math.abs(nowSeconds - at) > this.toleranceSeconds) {
      throw new WebhookVerificationError(`the timestamp is more than ${this.toleranceSeconds} seconds off`);
    }
    const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
    const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
    const offered = signatures
      .split(' ')
      .filter((s) => s.startsWith('v1,'))
      .map((s) => Buffer.from(s.slice(3), 'base64'));
    const matches = this.keys.some((key) => {
      const expected = createHmac('sha256', key).update(signed).digest();
      return offered.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
    });
    if (!matches) {
      throw new WebhookVerificationError('no signature matches');
    }
    return { id, timestamp: at, payload: parsed(body) };
  }
}

function parsed(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
