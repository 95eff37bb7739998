import { EventOutbox } from '../../src/events/event-outbox.service';
import { CallbacksService } from '../../src/events/callbacks.service';
import { Subscription } from '../../src/events/subscription.entity';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { InstallationRuntime } from '../../src/installations/installation-runtime.service';
import { sunDays } from '../../src/locations/location-snapshot';
import { Location } from '../../src/locations/location.entity';
import { Notification } from '../../src/notifications/notification.entity';
import { Agent, csrfOf } from '../helpers/browser';
import { DEMO_USER, loggedIn } from '../helpers/oauth-flow';
import { addDevice, appLogOf, install, publishApp, PublishedApp, startReceiver, stateOf, verifySignature } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

// Hears mode changes and tells the owner; sets the mode, reads the sun and the clock on request.
const MODES_APP = (name: string) => `
export default {
  definition: { name: '${name}', namespace: 'test.modes', author: 'Tests', description: 'modes', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: false }] }],
  mappings: { '/mode/:mode': { PUT: 'setMode' }, '/info': { GET: 'info' }, '/spam': { POST: 'spam' } },
  installed(ctx) { ctx.subscribe(ctx.location, 'mode', 'onMode') },
  handlers: {
    onMode(ctx, evt) {
      ctx.state.heard = (ctx.state.heard || []).concat([evt.displayName + ':' + evt.value + ':' + evt.locationId + ':' + ctx.location.mode])
      ctx.sendPush('${name}: ' + evt.displayName + ' is now ' + evt.value)
    },
    setMode(ctx) { ctx.setLocationMode(ctx.params.mode); return { mode: ctx.location.mode } },
    info(ctx) {
      const sun = ctx.getSunriseAndSunset()
      return { mode: ctx.location.mode, modes: ctx.location.modes.map((m) => m.name), latitude: ctx.location.latitude,
        sunrise: sun.sunrise && sun.sunrise.toISOString(), sunset: sun.sunset && sun.sunset.toISOString(),
        wakeUp: ctx.timeToday('07:30').toISOString(), now: ctx.now }
    },
    spam(ctx) { for (let i = 0; i < 10; i++) ctx.sendNotification('message ' + i) },
  },
}`;

const FORM = 'application/x-www-form-urlencoded';

describe('location modes, sunrise and sunset, notifications', () => {
  let t: TestApp;
  let demo: Agent;
  let first: PublishedApp;
  let second: PublishedApp;
  let firstId: string;
  let secondId: string;
  let home: Location;
  const drain = () => t.app.get(EventOutbox).drain();
  const runtime = () => t.app.get(InstallationRuntime);
  const csrf = async () => csrfOf((await demo.get('/locations').expect(200)).text);
  const post = async (path: string, fields: Record<string, string>) =>
    demo.post(path).type(FORM).set('Accept', 'text/html').send(new URLSearchParams({ _csrf: await csrf(), ...fields }).toString());
  const mapping = (installationId: string, name: string, params: Record<string, string> = {}) =>
    runtime().invoke(installationId, { kind: 'mapping', name }, { params, body: null, headers: {} });
  const currentMode = async () => (await t.db.getRepository(Location).findOneByOrFail({ id: home.id })).mode;

  beforeAll(async () => {
    t = await startTestApp();
    demo = await loggedIn(t.http, DEMO_USER);
    home = await t.db.getRepository(Location).findOneByOrFail({ name: 'Home' });
    first = await publishApp(t, MODES_APP('First'));
    second = await publishApp(t, MODES_APP('Second'));
    firstId = await install(t, first, []);
    secondId = await install(t, second, []);
  });
  afterAll(async () => {
    await t.close();
  });

  it('every location starts with Home, Away and Night, in Home; a mode subscription is a location row', async () => {
    const page = await demo.get(`/locations/${home.id}`).expect(200);
    expect(page.text).toContain('<strong id="current-mode">Home</strong>');
    for (const mode of ['Home', 'Away', 'Night']) {
      expect(page.text).toContain(`value="${mode}"`);
    }
    const rows = await t.db.getRepository(Subscription).findBy({ installationId: firstId });
    expect(rows.map((r) => ({ deviceId: r.deviceId, locationId: r.locationId, attribute: r.attribute, handler: r.handler }))).toEqual([
      { deviceId: null, locationId: home.id, attribute: 'mode', handler: 'onMode' },
    ]);
  });

  it('switching the mode on the location page fires the mode subscriptions and notifies the owner', async () => {
    const res = await post(`/locations/${home.id}/mode`, { mode: 'Away' });
    expect(res.status).toBe(303);
    expect(await currentMode()).toBe('Away');
    expect(await drain()).toBe(2);
    expect((await stateOf(t, firstId)).heard).toEqual([`Home:Away:${home.id}:Away`]);
    expect((await stateOf(t, secondId)).heard).toEqual([`Home:Away:${home.id}:Away`]);
    const page = await demo.get('/notifications').expect(200);
    expect(page.text).toContain('First: Home is now Away');
    expect(page.text).toContain('Second: Home is now Away');
    // the location is in Europe/London: the time is shown in its zone
    expect(page.text).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT|BST|UTC)/);
    expect((await demo.get('/locations').expect(200)).text).toMatch(/Notifications <span class="badge" aria-label="2 unread">2<\/span>/);
  });

  it('marks notifications read, one or all; another account cannot', async () => {
    const [one] = await t.db.getRepository(Notification).find({ where: { installationId: firstId } });
    expect((await post(`/notifications/${one.id}/read`, {})).status).toBe(303);
    expect((await demo.get('/locations').expect(200)).text).toContain('aria-label="1 unread"');
    expect((await post('/notifications/00000000-0000-0000-0000-000000000000/read', {})).status).toBe(404);
    expect((await post('/notifications/read-all', {})).status).toBe(303);
    expect((await demo.get('/locations').expect(200)).text).not.toContain('unread"');
    const other = await loggedIn(t.http, { email: 'other@example.com', password: 'other-password' });
    expect((await other.get('/notifications').expect(200)).text).not.toContain('is now Away');
  });

  it('setLocationMode from a handler changes the location, is in the activity, and fires the others’ subscriptions', async () => {
    const outcome = await mapping(firstId, 'setMode', { mode: 'Night' });
    expect(outcome).toEqual({ kind: 'ok', response: { kind: 'value', value: { mode: 'Night' } } });
    expect(await currentMode()).toBe('Night');
    const activity = await t.db.getRepository(ActivityLog).findBy({ installationId: firstId });
    expect(activity.map((a) => a.summary)).toContain('setLocationMode("Night"): Home Away → Night');
    expect(await drain()).toBe(1);
    // the installation that set it does not hear its own change (as for device commands)
    expect((await stateOf(t, firstId)).heard).toHaveLength(1);
    expect((await stateOf(t, secondId)).heard).toEqual([`Home:Away:${home.id}:Away`, `Home:Night:${home.id}:Night`]);
  });

  it('refuses an unknown mode from a handler (the handler fails) and from the page (400)', async () => {
    const outcome = await mapping(firstId, 'setMode', { mode: 'Party' });
    expect(outcome.kind).toBe('failed');
    expect((await appLogOf(t, firstId)).join('\n')).toContain('"Party" is not a mode of this location (its modes: Home, Away, Night)');
    const res = await post(`/locations/${home.id}/mode`, { mode: 'Party' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Party is not a mode of Home');
    expect(await currentMode()).toBe('Night');
  });

  it('adds a mode on the page, refuses a duplicate or a bad name, and switches to it', async () => {
    expect((await post(`/locations/${home.id}/modes`, { name: 'Vacation' })).status).toBe(303);
    expect((await post(`/locations/${home.id}/modes`, { name: 'vacation' })).status).toBe(400);
    expect((await post(`/locations/${home.id}/modes`, { name: '<script>' })).status).toBe(400);
    expect((await post(`/locations/${home.id}/modes`, { name: '' })).status).toBe(400);
    expect((await mapping(secondId, 'setMode', { mode: 'Vacation' })).kind).toBe('ok');
    expect(await currentMode()).toBe('Vacation');
    expect(await drain()).toBe(1);
    expect((await stateOf(t, firstId)).heard).toEqual([`Home:Away:${home.id}:Away`, `Home:Vacation:${home.id}:Vacation`]);
  });

  it('keeps coordinates, refuses bad ones with 400, and gives sunrise, sunset and timeToday in the location’s zone', async () => {
    const before = await mapping(firstId, 'info');
    expect(before.kind === 'ok' && before.response.kind === 'value' && before.response.value).toMatchObject({ sunrise: null, sunset: null, latitude: null });
    for (const [latitude, longitude] of [['91', '0'], ['10', '181'], ['abc', '1'], ['10', '']]) {
      const res = await post(`/locations/${home.id}/coordinates`, { latitude, longitude });
      expect({ latitude, longitude, status: res.status }).toEqual({ latitude, longitude, status: 400 });
    }
    expect((await post(`/locations/${home.id}/coordinates`, { latitude: '51.4769', longitude: '-0.0005' })).status).toBe(303);
    await t.write((m) => m.getRepository(Location).update({ id: home.id }, { timeZone: 'America/New_York' }));
    const after = await mapping(firstId, 'info');
    if (after.kind !== 'ok' || after.response.kind !== 'value') {
      throw new Error(JSON.stringify(after));
    }
    const info = after.response.value as { sunrise: string; sunset: string; wakeUp: string; now: string; modes: string[] };
    expect(info.modes).toEqual(['Home', 'Away', 'Night', 'Vacation']);
    const now = new Date(info.now);
    const today = sunDays({ timeZone: 'America/New_York', latitude: 51.4769, longitude: -0.0005 }, now)[1];
    expect({ sunrise: info.sunrise, sunset: info.sunset }).toEqual({ sunrise: today.sunrise, sunset: today.sunset });
    // 07:30 in New York today: 12:30 UTC in winter, 11:30 in summer, on New York's calendar day
    const wakeUp = new Date(info.wakeUp);
    expect([11, 12]).toContain(wakeUp.getUTCHours());
    expect(wakeUp.getUTCMinutes()).toBe(30);
    expect(wakeUp.getTime()).toBeGreaterThanOrEqual(Date.parse(today.start));
    expect(wakeUp.getTime()).toBeLessThan(Date.parse(today.end));
    await t.write((m) => m.getRepository(Location).update({ id: home.id }, { timeZone: 'Europe/London' }));
  });

  it('shows times on device and connected-app pages in the location’s time zone', async () => {
    await t.write((m) => m.getRepository(Location).update({ id: home.id }, { timeZone: 'Asia/Tokyo' }));
    const lamp = await addDevice(t, 'Zone Lamp', ['switch']);
    expect((await post(`/devices/${lamp}/commands`, { command: 'on' })).status).toBe(303);
    const page = (await demo.get(`/devices/${lamp}`).expect(200)).text;
    expect(page).toMatch(/<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+9<\/td>/);
    const app = (await demo.get(`/apps/${firstId}`).expect(200)).text;
    expect(app).toMatch(/<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+9<\/td><td>/);
    await t.write((m) => m.getRepository(Location).update({ id: home.id }, { timeZone: 'Europe/London' }));
  });

  it('caps notifications per installation and hour', async () => {
    await t.write((m) => m.getRepository(Notification).delete({ installationId: secondId }));
    for (let i = 0; i < 3; i++) {
      expect((await mapping(secondId, 'spam')).kind).toBe('ok');
    }
    expect(await t.db.getRepository(Notification).countBy({ installationId: secondId })).toBe(30);
    expect((await mapping(secondId, 'spam')).kind).toBe('ok');
    expect(await t.db.getRepository(Notification).countBy({ installationId: secondId })).toBe(30);
    expect((await appLogOf(t, secondId)).join('\n')).toContain('sendNotification refused: at most 30 notifications per installation and hour');
  });

  it('also posts a notification, signed, to the client’s callback when it has one', async () => {
    const receiver = await startReceiver();
    try {
      const withCallback = await publishApp(t, MODES_APP('Third'), { callbackPrefixes: [`${receiver.url}/notify`] });
      const thirdId = await install(t, withCallback, []);
      expect((await post(`/locations/${home.id}/mode`, { mode: 'Home' })).status).toBe(303);
      await drain();
      await t.app.get(CallbacksService).drain();
      await receiver.arrived(1);
      const [got] = receiver.received;
      expect(got.path).toBe('/notify');
      expect(verifySignature(withCallback.webhookSecret, got.headers, got.body)).toBe(true);
      expect(JSON.parse(got.body)).toMatchObject({ installationId: thirdId, notification: { message: 'Third: Home is now Home', locationId: home.id } });
    } finally {
      await receiver.close();
    }
  });
});
