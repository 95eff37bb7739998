// Callbacks follow Standard Webhooks 1.0, checked by the spec's own receiver library
// (`standardwebhooks`, which nobody here wrote): webhook-id (the delivery id, stable across retries),
// webhook-timestamp, webhook-signature over id.timestamp.body, whsec_ secrets, both signatures
// during a secret rotation.
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { CallbacksService } from '../../src/events/callbacks.service';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { StandardWebhooks1764200000301 } from '../../src/database/migrations/1764200000301-standard-webhooks';
import { OAuthClient } from '../../src/oauth/oauth-client.entity';
import { addDevice, install, manualClock, ManualClock, publishApp, PublishedApp, ReceivedCallback, Receiver, startReceiver, userCommand } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

// Posts every switch change, naming its installation inside the (signed) body.
const NOTIFIER = `
export default {
  definition: { name: 'Webhook Notifier', namespace: 'test.webhooks', author: 'Tests', description: 'posts switch changes', category: 'Test' },
  preferences: [{ section: 'Where', inputs: [
    { name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true },
    { name: 'url', type: 'text', title: 'Callback URL', required: true } ] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch') },
  handlers: {
    onSwitch(ctx, evt) { ctx.httpPostJson(ctx.settings.url, { installationId: 'spoofed-by-the-app', device: evt.displayName, value: evt.value }) },
  },
}`;

/** A receiver as the docs describe it: the library verifies, and each webhook-id is taken once. */
class LibraryReceiver {
  private readonly seen = new Set<string>();
  constructor(private readonly webhook: Webhook) {}

  take(callback: ReceivedCallback): { ok: true; body: { installationId: string } } | { ok: false; reason: string } {
    const headers = Object.fromEntries(Object.entries(callback.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
    let body: { installationId: string };
    try {
      body = this.webhook.verify(callback.body, headers) as { installationId: string };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    if (this.seen.has(headers['webhook-id'])) {
      return { ok: false, reason: 'replayed webhook-id' };
    }
    this.seen.add(headers['webhook-id']);
    return { ok: true, body };
  }
}

describe('Standard Webhooks: every callback verifies with the standardwebhooks package', () => {
  let t: TestApp;
  let clock: ManualClock;
  let receiver: Receiver;
  let app: PublishedApp;
  let devices = 0;
  const deliverAll = async () => {
    await t.app.get(EventOutbox).drain();
    return t.app.get(CallbacksService).drain();
  };
  const notifierFor = async () => {
    devices += 1;
    const label = `Webhook Light ${devices}`;
    await addDevice(t, label, ['switch']);
    const id = await install(t, app, [{ input: 'switches', device: label, capability: 'switch' }], { url: `${receiver.url}/hooks/in` });
    return { id, switchOn: () => userCommand(t, label, 'on') };
  };
  const rotate = () => request(t.http).post(`/api/developer/smartapps/${app.smartAppId}/oauth/rotate-webhook-secret`).set('Authorization', 'Bearer demo-developer-token');

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp();
    // real time (the library checks the timestamp against the wall clock), moved only by the tests
    clock = manualClock(t, new Date());
    app = await publishApp(t, NOTIFIER, { callbackPrefixes: [`${receiver.url}/hooks/`] });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    clock.set(new Date());
  });

  it('hands out whsec_ secrets and signs id.timestamp.body; the installation id is in the signed body', async () => {
    expect(app.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { id, switchOn } = await notifierFor();
    await switchOn();
    expect(await deliverAll()).toBe(1);
    const [got] = receiver.received;
    expect(got.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const taken = new LibraryReceiver(new Webhook(app.webhookSecret)).take(got);
    expect(taken).toEqual({ ok: true, body: { installationId: id, device: expect.any(String), value: 'on' } });
  });

  it('keeps the webhook-id across retries (a new timestamp and signature each attempt)', async () => {
    const { switchOn } = await notifierFor();
    receiver.answer(503);
    await switchOn();
    expect(await deliverAll()).toBe(1);
    clock.advance(2000);
    expect(await deliverAll()).toBe(1);
    const [first, second] = receiver.received;
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.headers['webhook-timestamp']).not.toBe(first.headers['webhook-timestamp']);
    const receiving = new LibraryReceiver(new Webhook(app.webhookSecret));
    expect(receiving.take(first).ok).toBe(true);
    // the retry is the same delivery: a receiver that took the first attempt skips it
    expect(receiving.take(second)).toEqual({ ok: false, reason: 'replayed webhook-id' });
  });

  it('lets the receiver reject a tampered body, a swapped id, an old timestamp and a replayed id', async () => {
    const { switchOn } = await notifierFor();
    await switchOn();
    await deliverAll();
    const [got] = receiver.received;
    const receiving = new LibraryReceiver(new Webhook(app.webhookSecret));
    expect(receiving.take({ ...got, body: got.body.replace('"on"', '"off"') }).ok).toBe(false);
    expect(receiving.take({ ...got, headers: { ...got.headers, 'webhook-id': '00000000-0000-0000-0000-000000000000' } }).ok).toBe(false);
    expect(new LibraryReceiver(new Webhook(`whsec_${Buffer.from('another-secret-another-secret-12').toString('base64')}`)).take(got).ok).toBe(false);
    expect(receiving.take(got).ok).toBe(true);
    expect(receiving.take(got)).toEqual({ ok: false, reason: 'replayed webhook-id' });

    // a callback signed 10 minutes ago (a delayed or captured one) is refused by the timestamp check
    receiver.received.length = 0;
    const late = await notifierFor();
    clock.set(new Date(Date.now() - 10 * 60 * 1000));
    await late.switchOn();
    await deliverAll();
    expect(new LibraryReceiver(new Webhook(app.webhookSecret)).take(receiver.received[0])).toEqual({ ok: false, reason: 'Message timestamp too old' });
  });

  it('rotates the secret: both sign during the grace window, then only the new one', async () => {
    const { switchOn } = await notifierFor();
    const before = app.webhookSecret;
    const rotated = await rotate().expect(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const after = rotated.body.webhook_secret as string;
    expect(after).toMatch(/^whsec_/);
    expect(after).not.toBe(before);
    expect(Date.parse(rotated.body.previous_secret_valid_until as string) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    await switchOn();
    await deliverAll();
    const [during] = receiver.received;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new LibraryReceiver(new Webhook(before)).take(during).ok).toBe(true);
    expect(new LibraryReceiver(new Webhook(after)).take(during).ok).toBe(true);

    // the grace window is over
    await t.write((m) => m.getRepository(OAuthClient).update({ clientId: app.clientId }, { previousWebhookSecretUntil: new Date(Date.now() - 1000) }));
    receiver.received.length = 0;
    await switchOn();
    await userCommand(t, `Webhook Light ${devices}`, 'off');
    await deliverAll();
    const [ended] = receiver.received;
    expect(String(ended.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new LibraryReceiver(new Webhook(before)).take(ended).ok).toBe(false);
    expect(new LibraryReceiver(new Webhook(after)).take(ended).ok).toBe(true);
    app = { ...app, webhookSecret: after };
  });

  it('rotates only the developer’s own SmartApp, with a developer token', async () => {
    await request(t.http).post(`/api/developer/smartapps/${app.smartAppId}/oauth/rotate-webhook-secret`).expect(401);
    await request(t.http).post('/api/developer/smartapps/00000000-0000-0000-0000-000000000000/oauth/rotate-webhook-secret').set('Authorization', 'Bearer demo-developer-token').expect(404);
  });

  it('migrates a plain-text secret to whsec_ with the same key bytes', async () => {
    // the migration runs inside a run of Transactions, like every write of the platform
    await t.write(async (m) => {
      const runner = m.queryRunner;
      if (!runner) {
        throw new Error('a transaction always has its query runner');
      }
      const migration = new StandardWebhooks1764200000301();
      await migration.down(runner);
      await m.getRepository(OAuthClient).createQueryBuilder().update().set({ webhookSecret: 'an-old-plain-webhook-secret' }).where('client_id = :id', { id: app.clientId }).callListeners(false).execute();
      await migration.up(runner);
    });
    const migrated = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: app.clientId });
    expect(migrated.webhookSecret).toBe(`whsec_${Buffer.from('an-old-plain-webhook-secret').toString('base64')}`);
    expect(migrated.previousWebhookSecret).toBeNull();
  });
});
