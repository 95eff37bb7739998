import { createHmac } from 'node:crypto';
import { ReplayGuard, verifyCallback, webhookFor } from './callback-verifier';

const SECRET = 'whsec_' + Buffer.from('a-webhook-key-of-32-bytes-length').toString('base64');
const KEY = Buffer.from('a-webhook-key-of-32-bytes-length');
const signed = (id: string, body: string, timestamp: number, key: Buffer = KEY) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`,
});

describe('the demo service’s callback check (Standard Webhooks, with the TypeScript SDK’s verifier)', () => {
  const body = '{"installationId":"i1","evt":{"value":"on"}}';
  const now = () => Math.floor(Date.now() / 1000);
  const webhook = webhookFor(SECRET);

  it('accepts the signature over id, timestamp and the exact raw bytes, and either of two signatures', () => {
    expect(verifyCallback(webhook, signed('msg_1', body, now()), Buffer.from(body))).toEqual({ ok: true, id: 'msg_1' });
    const rotating = signed('msg_1', body, now(), Buffer.from('another-key-another-key-another!'));
    rotating['webhook-signature'] += ` ${signed('msg_1', body, now())['webhook-signature']}`;
    expect(verifyCallback(webhook, rotating, Buffer.from(body)).ok).toBe(true);
  });

  it('takes a plain-text secret as the raw key (a secret chosen before whsec_)', () => {
    expect(verifyCallback(webhookFor('a-webhook-key-of-32-bytes-length'), signed('msg_2', body, now()), Buffer.from(body)).ok).toBe(true);
  });

  it('refuses another key, another body, another id, an old or future timestamp, and missing headers', () => {
    const refused = (headers: Record<string, string>, raw = body) => verifyCallback(webhook, headers, Buffer.from(raw)).ok;
    expect(refused(signed('m', body, now(), Buffer.from('not-the-key-not-the-key-not-the!')))).toBe(false);
    expect(refused(signed('m', body, now()), body.replace('on', 'of'))).toBe(false);
    expect(refused({ ...signed('m', body, now()), 'webhook-id': 'other' })).toBe(false);
    expect(refused(signed('m', body, now() - 301))).toBe(false);
    expect(refused(signed('m', body, now() + 301))).toBe(false);
    expect(refused({ 'webhook-id': 'm', 'webhook-timestamp': String(now()) })).toBe(false);
  });

  it('takes each webhook id once within the retry window, and forgets it after', () => {
    const guard = new ReplayGuard();
    const t0 = 1_750_000_000_000;
    expect(guard.firstTime('webhook:a', t0)).toBe(true);
    expect(guard.firstTime('webhook:a', t0 + 1000)).toBe(false);
    expect(guard.firstTime('webhook:b', t0 + 1000)).toBe(true);
    expect(guard.firstTime('webhook:a', t0 + 66 * 60 * 1000)).toBe(true);
  });
});
