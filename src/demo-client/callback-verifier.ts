import type { IncomingHttpHeaders } from 'node:http';
import { WebhookVerificationError, WebhookVerifier } from '../../clients/typescript/src';

// How a receiver checks the platform's callbacks, as docs/authoring.md tells it ("For the
// receiving service: verifying a callback"): they follow Standard Webhooks 1.0, and the TypeScript
// SDK's WebhookVerifier checks the signature over `webhook-id.webhook-timestamp.body` and a
// timestamp at most 5 minutes off; we add that each webhook-id is taken once.

export type Verification = { ok: true; id: string } | { ok: false; reason: string };

export function headerOf(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The receiver for one webhook secret: `whsec_<base64>` as the platform hands it out, or a plain
 * text secret chosen before (its bytes are the key).
 */
export function webhookFor(secret: string): WebhookVerifier {
  return new WebhookVerifier(secret);
}

/** Checks the signature and timestamp over the raw bytes received (never re-serialised JSON). */
export function verifyCallback(webhook: WebhookVerifier, headers: IncomingHttpHeaders, rawBody: Buffer): Verification {
  try {
    return { ok: true, id: webhook.verify(headers, rawBody).id };
  } catch (err) {
    if (err instanceof WebhookVerificationError) {
      return { ok: false, reason: err.message };
    }
    throw err;
  }
}

// Kept past the platform's retry window (an hour by default), so a retry of a delivery we already
// took is recognised as one.
const REMEMBER_MS = 65 * 60 * 1000;
const MAX_REMEMBERED = 20_000;

/** Webhook ids already taken: the id is signed, so a replay cannot come with a new one. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True (and remembered) the first time `key` is offered within the window. */
  firstTime(key: string, nowMs: number): boolean {
    this.prune(nowMs);
    if (this.seen.has(key)) {
      return false;
    }
    this.seen.set(key, nowMs + REMEMBER_MS);
    return true;
  }

  // Map keeps insertion order, which is expiry order: stop at the first one still valid.
  private prune(nowMs: number): void {
    for (const [key, expires] of this.seen) {
      if (expires > nowMs && this.seen.size < MAX_REMEMBERED) {
        return;
      }
      this.seen.delete(key);
    }
  }
}
