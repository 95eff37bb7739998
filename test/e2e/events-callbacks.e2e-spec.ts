import { ActivityLog } from '../../src/installations/activity-log.entity';
import { CallbacksService } from '../../src/events/callbacks.service';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { UninstallService } from '../../src/oauth/uninstall.service';
import { addDevice, appLogOf, install, manualClock, ManualClock, publishApp, PublishedApp, Receiver, startReceiver, userCommand, verifySignature } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

// Posts every switch change to the URL in its settings.
const NOTIFIER = `
export default {
  definition: { name: 'Notifier', namespace: 'test.callbacks', author: 'Tests', description: 'posts switch changes', category: 'Test' },
  preferences: [{ section: 'Where', inputs: [
    { name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true },
    { name: 'url', type: 'text', title: 'Callback URL', required: true } ] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch') },
  handlers: {
    onSwitch(ctx, evt) { ctx.httpPostJson(ctx.settings.url, { device: evt.displayName, value: evt.value }) },
  },
}`;

describe('callbacks: httpPostJson reaches only registered prefixes, signed, retried, stopped by uninstall', () => {
  let t: TestApp;
  let clock: ManualClock;
  let receiver: Receiver;
  let notifier: PublishedApp;
  let devices = 0;
  const deliverAll = async () => {
    await t.app.get(EventOutbox).drain();
    return t.app.get(CallbacksService).drain();
  };
  const callbackActivity = async (id: string) =>
    (await t.db.getRepository(ActivityLog).find({ where: { installationId: id, kind: 'callback' }, order: { at: 'ASC' } })).map((a) => a.summary);

  /** A notifier installed on a light of its own, posting to `url`; returns the installation and a way to switch the light. */
  const notifierFor = async (url: string) => {
    devices += 1;
    const label = `Callback Light ${devices}`;
    await addDevice(t, label, ['switch']);
    const id = await install(t, notifier, [{ input: 'switches', device: label, capability: 'switch' }], { url });
    return { id, switchOn: () => userCommand(t, label, 'on'), switchOff: () => userCommand(t, label, 'off') };
  };

  let deadUrl: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    // a port where nothing listens any more
    const dead = await startReceiver();
    deadUrl = dead.url;
    await dead.close();
    t = await startTestApp();
    clock = manualClock(t, new Date('2025-05-01T12:00:00Z'));
    notifier = await publishApp(t, NOTIFIER, { callbackPrefixes: [`${receiver.url}/hooks/`, 'https://hooks.example.com/in', `${deadUrl}/`] });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  it('signs a callback with the client’s webhook secret so an independent receiver can verify it', async () => {
    const { id, switchOn } = await notifierFor(`${receiver.url}/hooks/switch?ref=abc`);
    await switchOn();
    expect(await deliverAll()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got.path).toBe('/hooks/switch?ref=abc');
    // the platform puts the installation id in the signed body
    expect(JSON.parse(got.body)).toEqual({ device: 'Callback Light 1', value: 'on', installationId: id });
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-timestamp']).toBe(String(Date.parse('2025-05-01T12:00:00Z') / 1000));
    expect(got.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.headers['x-smartapp-installation']).toBe(id);
    expect(verifySignature(notifier.webhookSecret, got.headers, got.body)).toBe(true);
    expect(verifySignature('another-secret', got.headers, got.body)).toBe(false);
    expect(verifySignature(notifier.webhookSecret, got.headers, got.body.replace('on', 'of'))).toBe(false);
    expect(await callbackActivity(id)).toEqual([`Callback to ${receiver.url}/hooks/switch: HTTP 200 (attempt 1)`]);
  });

  it.each([
    ['another path on the registered host', (r: string) => `${r}/admin`],
    ['a path that only starts with the prefix text', (r: string) => `${r}/hooksevil/x`],
    ['another port on the registered host', () => 'http://127.0.0.1:1/hooks/x'],
    ['a host that only starts with the registered host', () => 'https://hooks.example.com.evil.test/in/x'],
    ['credentials smuggled before the registered host', () => 'https://hooks.example.com@evil.test/in/x'],
    ['another scheme', () => 'http://hooks.example.com/in/x'],
    ['a host nobody registered', () => 'https://evil.test/in'],
  ])('refuses a callback to %s', async (_what, url) => {
    const { id, switchOn } = await notifierFor(url(receiver.url));
    await switchOn();
    expect(await deliverAll()).toBe(0);
    expect(receiver.received).toHaveLength(0);
    expect(await t.app.get(CallbacksService).pendingFor(id)).toBe(0);
    expect((await appLogOf(t, id)).join('\n')).toMatch(/warn: httpPostJson to .* refused: /);
    expect((await callbackActivity(id))[0]).toMatch(/^Refused a callback to /);
  });

  it('retries a callback answered with 5xx, with backoff, under the same delivery id', async () => {
    const { id, switchOn } = await notifierFor(`${receiver.url}/hooks/retry`);
    receiver.answer(500, 503);
    await switchOn();
    expect(await deliverAll()).toBe(1);
    // not due again until the backoff has passed
    expect(await t.app.get(CallbacksService).drain()).toBe(0);
    clock.advance(2000);
    expect(await t.app.get(CallbacksService).drain()).toBe(1);
    clock.advance(3999);
    expect(await t.app.get(CallbacksService).drain()).toBe(0);
    clock.advance(1);
    expect(await t.app.get(CallbacksService).drain()).toBe(1);
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(receiver.received.every((r) => verifySignature(notifier.webhookSecret, r.headers, r.body))).toBe(true);
    expect(await callbackActivity(id)).toEqual([
      `Callback to ${receiver.url}/hooks/retry: HTTP 500 (attempt 1), retrying in 2 s`,
      `Callback to ${receiver.url}/hooks/retry: HTTP 503 (attempt 2), retrying in 4 s`,
      `Callback to ${receiver.url}/hooks/retry: HTTP 200 (attempt 3)`,
    ]);
    expect(await t.app.get(CallbacksService).pendingFor(id)).toBe(0);
  });

  it('retries a callback whose connection was refused', async () => {
    const { id, switchOn } = await notifierFor(`${deadUrl}/events`);
    await switchOn();
    expect(await deliverAll()).toBe(1);
    expect(await t.app.get(CallbacksService).pendingFor(id)).toBe(1);
    expect((await callbackActivity(id))[0]).toMatch(/^Callback to http:\/\/127\.0\.0\.1:\d+\/events: connect ECONNREFUSED .* \(attempt 1\), retrying in 2 s$/);
    await t.app.get(UninstallService).uninstall(id, 'test');
  });

  it('does not retry a callback the receiver refused with 4xx', async () => {
    const { id, switchOn } = await notifierFor(`${receiver.url}/hooks/gone`);
    receiver.answer(410);
    await switchOn();
    expect(await deliverAll()).toBe(1);
    clock.advance(60 * 60 * 1000);
    expect(await t.app.get(CallbacksService).drain()).toBe(0);
    expect(await callbackActivity(id)).toEqual([`Callback to ${receiver.url}/hooks/gone: HTTP 410 (attempt 1), not retried`]);
  });

  it('retries a failing receiver for a bounded time, then gives up', async () => {
    const { id, switchOn } = await notifierFor(`${receiver.url}/hooks/down`);
    receiver.answer(...Array.from({ length: 50 }, () => 502));
    await switchOn();
    let attempts = await deliverAll();
    for (let i = 0; i < 50 && (await t.app.get(CallbacksService).pendingFor(id)) > 0; i++) {
      clock.advance(10 * 60 * 1000);
      attempts += await t.app.get(CallbacksService).drain();
    }
    receiver.answer();
    expect(await t.app.get(CallbacksService).pendingFor(id)).toBe(0);
    // 2 s, 4 s, ... capped at 10 minutes, within the default hour
    expect(attempts).toBeGreaterThan(3);
    expect(attempts).toBeLessThan(20);
    const activity = await callbackActivity(id);
    expect(activity[activity.length - 1]).toMatch(/HTTP 502 \(attempt \d+\), gave up after \d+ attempts$/);
  });

  it('stops retrying a callback once the installation is uninstalled', async () => {
    const { id, switchOn } = await notifierFor(`${receiver.url}/hooks/uninstalled`);
    receiver.answer(500);
    await switchOn();
    expect(await deliverAll()).toBe(1);
    expect(await t.app.get(CallbacksService).pendingFor(id)).toBe(1);
    await t.app.get(UninstallService).uninstall(id, 'test');
    expect(await t.app.get(CallbacksService).pendingFor(id)).toBe(0);
    clock.advance(60 * 60 * 1000);
    expect(await t.app.get(CallbacksService).drain()).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });
});
