import { createHmac } from 'node:crypto';
import { ReplayGuard, verifyCallback } from './callback-verifier';

const SECRET = 'webhook-secret';
const NOW = 1_750_000_000_000;
const signed = (body: string, timestamp: number, secret = SECRET) => ({
  'x-smartapp-timestamp': String(timestamp),
  'x-smartapp-signature': `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
});

describe('the demo service’s callback check (docs/authoring.md, verifying a callback)', () => {
  const body = '{"evt":{"value":"on"}}';
  const ts = NOW / 1000;

  it('accepts the signature over the exact raw bytes, within 5 minutes either way', () => {
    expect(verifyCallback(SECRET, signed(body, ts), Buffer.from(body), NOW).ok).toBe(true);
    expect(verifyCallback(SECRET, signed(body, ts - 300), Buffer.from(body), NOW).ok).toBe(true);
    expect(verifyCallback(SECRET, signed(body, ts + 300), Buffer.from(body), NOW).ok).toBe(true);
  });

  it('refuses another secret, another body, an old or future timestamp, and a missing or malformed header', () => {
    const refused = (headers: Record<string, string>, raw = body) => verifyCallback(SECRET, headers, Buffer.from(raw), NOW).ok;
    expect(refused(signed(body, ts, 'other'))).toBe(false);
    expect(refused(signed(body, ts), '{"evt":{"value":"off"}}')).toBe(false);
    expect(refused(signed(body, ts - 301))).toBe(false);
    expect(refused(signed(body, ts + 301))).toBe(false);
    expect(refused({ 'x-smartapp-timestamp': String(ts) })).toBe(false);
    expect(refused({ ...signed(body, ts), 'x-smartapp-timestamp': `${ts}.0` })).toBe(false);
    expect(refused({ ...signed(body, ts), 'x-smartapp-signature': 'v2=00' })).toBe(false);
  });

  it('takes each key once within the retry window, and forgets it after', () => {
    const guard = new ReplayGuard();
    expect(guard.firstTime(['delivery:a', 'signature:x'], NOW)).toBe(true);
    expect(guard.firstTime(['delivery:a', 'signature:y'], NOW + 1000)).toBe(false);
    expect(guard.firstTime(['delivery:b', 'signature:x'], NOW + 1000)).toBe(false);
    expect(guard.firstTime(['delivery:a', 'signature:x'], NOW + 66 * 60 * 1000)).toBe(true);
  });
});
