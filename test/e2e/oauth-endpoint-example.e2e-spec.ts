import request from 'supertest';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { Location } from '../../src/locations/location.entity';
import { SandboxService } from '../../src/sandbox/sandbox.service';
import { snapshotWith } from '../../src/sandbox/sandbox.testing';
import { agentFor, Agent, codeFrom, csrfOf, decide, logIn, openPreferences } from '../helpers/browser';
import { deviceId, deviceState, exampleSource, publishApp, PublishedApp, Receiver, startReceiver, userCommand } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };

describe('examples/oauth-endpoint.js: SwitchBoard lists, toggles, sets the mode and hears changes as hub commands', () => {
  let t: TestApp;
  let receiver: Receiver;
  let app: PublishedApp;
  let agent: Agent;
  let base: string;
  let accessToken: string;
  let installationId: string;
  const get = (path: string) => request(t.http).get(`${base}${path}`).set('Authorization', `Bearer ${accessToken}`);
  const hubQueries = () => receiver.received.map((r) => new URL(r.path, 'http://hub').searchParams.get('smartthings'));
  const home = () => t.db.getRepository(Location).findOneByOrFail({ name: 'Home' });

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp();
    app = await publishApp(t, exampleSource('oauth-endpoint.js'), { callbackPrefixes: [`${receiver.url}/`] });
    agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('is authorized with its inputs: switches, locks, sensors and the IP:PORT of SwitchBoard', async () => {
    const page = await openPreferences(agent, 'Home', { clientId: app.clientId, redirectUri: app.redirectUri });
    for (const title of ['Which Switches?', 'Which Locks?', 'Which Temp?', 'Which Vibrate?', 'Which Contact?', 'Which Moisture?', 'Which Motion?', 'Which Presence?', 'IP:PORT of local endpoint']) {
      expect(page).toContain(title);
    }
    const decided = await decide(agent, page, 'allow', {
      switches: [await deviceId(t, 'Kitchen Light'), await deviceId(t, 'Porch Light')],
      locks: await deviceId(t, 'Front Door'),
      contact: await deviceId(t, 'Front Door'),
      motion: await deviceId(t, 'Hallway Motion'),
      endpoint: new URL(receiver.url).host,
    }).expect(303);
    const token = await request(t.http)
      .post('/oauth/token')
      .auth(app.clientId, app.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: app.redirectUri })
      .expect(200);
    accessToken = token.body.access_token;
    installationId = token.body.installation_id;
    base = `/api/smartapps/installations/${installationId}`;
  });

  it('GET /list: the mode and every device with the state of each supported attribute', async () => {
    const list = await get('/list').expect(200);
    expect(list.body.mode).toBe('Home');
    const labels = (list.body.devices as { label: string }[]).map((d) => d.label);
    // settings.switches + locks + contact + moisture + motion + presence, as the original concatenates them
    // (within one input the platform keeps no particular order)
    expect([...labels.slice(0, 2)].sort()).toEqual(['Kitchen Light', 'Porch Light']);
    expect(labels.slice(2)).toEqual(['Front Door', 'Front Door', 'Hallway Motion']);
    const kitchen = (list.body.devices as { label: string; id: string; name: string; values: Record<string, { name: string; value: unknown }> }[]).find((d) => d.label === 'Kitchen Light')!;
    expect(kitchen.id).toBe(await deviceId(t, 'Kitchen Light'));
    expect(typeof kitchen.name).toBe('string');
    expect(kitchen.values.switch).toMatchObject({ name: 'switch', value: 'off' });
  });

  it('GET /switches/:id/toggle switches it and answers with the new value; bad ids and commands are 4xx', async () => {
    const kitchen = await deviceId(t, 'Kitchen Light');
    const toggled = await get(`/switches/${kitchen}/toggle`).expect(200);
    const row = (toggled.body.devices as { id: string; values: Record<string, unknown> }[]).find((d) => d.id === kitchen);
    expect(row?.values.switch).toEqual({ name: 'switch', value: 'on' });
    expect((await deviceState(t, 'Kitchen Light')).switch).toBe('on');
    await get(`/switches/${kitchen}/explode`).expect(400);
    await get('/switches/00000000-0000-0000-0000-000000000000/on').expect(404);
    const door = await deviceId(t, 'Front Door');
    await get(`/locks/${door}/toggle`).expect(200);
    expect((await deviceState(t, 'Front Door')).lock).toBe('unlocked');
  });

  it('GET /mode/:mode sets the location mode (in the activity) and SwitchBoard hears it as a hub command', async () => {
    const res = await get('/mode/Away').expect(200);
    expect(res.body.mode).toBe('Away');
    expect((await home()).mode).toBe('Away');
    const activity = await t.db.getRepository(ActivityLog).findBy({ installationId });
    expect(activity.map((a) => a.summary)).toContain('setLocationMode("Away"): Home Home → Away');
    await get('/mode/Party').expect(400);
    await t.app.get(EventOutbox).drain();
    await receiver.arrived(1);
    expect(hubQueries()).toContain('subdevice-state-mode-Away');
  });

  it('a mode switched on the location page and a device change reach SwitchBoard too', async () => {
    const location = await home();
    const csrf = csrfOf((await agent.get(`/locations/${location.id}`).expect(200)).text);
    await agent.post(`/locations/${location.id}/mode`).type('form').send({ _csrf: csrf, mode: 'Night' }).expect(303);
    await userCommand(t, 'Porch Light', 'on');
    const before = receiver.received.length;
    await t.app.get(EventOutbox).drain();
    await receiver.arrived(before + 2);
    expect(hubQueries()).toEqual(expect.arrayContaining(['subdevice-state-mode-Night', 'subdevice-state-switch-Porch Light-on']));
  });
});

// Runs on every branch: the port evaluates and keeps the original's mappings, handlers and mode subscription.
describe('examples/oauth-endpoint.js as a module', () => {
  const sandbox = new SandboxService();
  afterAll(() => sandbox.onModuleDestroy());

  it('has the original’s four endpoints, its event handlers and an installed() that subscribes to the mode', async () => {
    const inspected = await sandbox.inspect(exampleSource('oauth-endpoint.js'));
    if (!inspected.ok) {
      throw new Error(JSON.stringify(inspected.errors));
    }
    expect(Object.keys(inspected.app.mappings as object)).toEqual(['/switches/:id/:command', '/locks/:id/:command', '/mode/:mode', '/list']);
    expect(inspected.app.handlers).toEqual(expect.arrayContaining(['modeEventFired', 'switchFired', 'presenceFired', 'listDevices', 'updateMode']));
    const run = await sandbox.run({
      versionKey: 'oauth-endpoint',
      source: exampleSource('oauth-endpoint.js'),
      handler: { kind: 'lifecycle', name: 'installed' },
      snapshot: snapshotWith({ settings: { endpoint: '127.0.0.1:8080' } }),
    });
    expect(run.ok && run.effects.subscriptions).toEqual([{ op: 'subscribeLocation', attribute: 'mode', value: null, handler: 'modeEventFired', includeOwn: true }]);
  });

  it('/mode/:mode sets a known mode and answers 400 for another (no devices needed)', async () => {
    const location = { id: 'loc-1', name: 'Home', timeZone: 'UTC', mode: 'Home', modes: ['Home', 'Away', 'Night'] };
    const updateMode = (mode: string) =>
      sandbox.run({
        versionKey: 'oauth-endpoint',
        source: exampleSource('oauth-endpoint.js'),
        handler: { kind: 'mapping', name: 'updateMode' },
        snapshot: snapshotWith({ location, params: { mode } }),
      });
    const away = await updateMode('Away');
    expect(away.ok && { mode: away.effects.locationMode, response: away.effects.response }).toEqual({ mode: 'Away', response: { kind: 'value', value: { mode: 'Away', devices: [] } } });
    const party = await updateMode('Party');
    expect(party.ok && { mode: party.effects.locationMode, response: party.effects.response }).toEqual({
      mode: undefined,
      response: { kind: 'httpError', status: 400, message: 'Party is not a mode of Home' },
    });
  });
});
