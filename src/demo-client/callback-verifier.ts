import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// How a receiver checks the platform's callbacks, as docs/authoring.md tells it ("For the
// receiving service: verifying a callback"): HMAC-SHA256 of `${timestamp}.${raw body}` with the
// webhook secret, a timestamp at most 5 minutes off, and each delivery taken once.

export const MAX_SKEW_SECONDS = 300;

export type Verification = { ok: true; signature: string } | { ok: false; reason: string };

export function headerOf(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Checks the signature and timestamp over the raw bytes received (never re-serialised JSON). */
export function verifyCallback(secret: string, headers: IncomingHttpHeaders, rawBody: Buffer, nowMs: number): Verification {
  const timestamp = headerOf(headers, 'x-smartapp-timestamp');
  const signature = headerOf(headers, 'x-smartapp-signature');
  if (!timestamp || !signature) {
    return { ok: false, reason: 'the request is not signed' };
  }
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return { ok: false, reason: 'the timestamp is missing or more than 5 minutes off' };
  }
  if (!/^v1=[0-9a-f]{64}$/i.test(signature)) {
    return { ok: false, reason: 'the signature is not v1=<hex HMAC-SHA256>' };
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match' };
  }
  return { ok: true, signature: signature.toLowerCase() };
}

// Kept past the platform's retry window (an hour by default), so a retry of a delivery we already
// took is recognised as one.
const REMEMBER_MS = 65 * 60 * 1000;
const MAX_REMEMBERED = 20_000;

/**
 * Delivery ids and signatures already taken. The signature counts too: the delivery id header is
 * not covered by the signature, so a replay with a new id still carries a signature seen before.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True (and remembered) the first time any of `keys` is offered within the window. */
  firstTime(keys: string[], nowMs: number): boolean {
    this.prune(nowMs);
    if (keys.some((k) => this.seen.has(k))) {
      return false;
    }
    for (const key of keys) {
      this.seen.set(key, nowMs + REMEMBER_MS);
    }
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
