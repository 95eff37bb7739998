import request from 'supertest';
import { In } from 'typeorm';
import { AccountsService } from '../../src/accounts/accounts.service';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { AppLog } from '../../src/installations/app-log.entity';
import { DeviceGrant } from '../../src/installations/device-grant.entity';
import { Installation } from '../../src/installations/installation.entity';
import { DeviceEvent } from '../../src/locations/device-event.entity';
import { Device } from '../../src/locations/device.entity';
import { Location } from '../../src/locations/location.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import { SmartAppsService } from '../../src/smartapps/smartapps.service';
import { Agent, connect, csrfOf, decide, openPreferences, optionValue } from '../helpers/browser';
import { DEMO_USER, loggedIn, OTHER_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

// The user's pages (locations, devices, connected apps): each rule tried over HTTP on the real app.

const FORM = 'application/x-www-form-urlencoded';

describe('the user’s pages: locations, devices and connected apps', () => {
  let t: TestApp;
  let demo: Agent;

  const location = (name: string) => t.db.getRepository(Location).findOneByOrFail({ name });
  const device = (label: string) => t.db.getRepository(Device).findOneByOrFail({ label });
  const grantsOf = (installationId: string) => t.db.getRepository(DeviceGrant).findBy({ installationId });
  const csrf = async (agent: Agent) => csrfOf((await agent.get('/').expect(200)).text);
  /** Posts a page form with the session's CSRF token and checks the status. */
  const post = async (agent: Agent, path: string, fields: Record<string, string | string[]>, status: number) => {
    const form = new URLSearchParams({ _csrf: await csrf(agent) });
    for (const [k, v] of Object.entries(fields)) {
      for (const one of Array.isArray(v) ? v : [v]) {
        form.append(k, one);
      }
    }
    const res = await agent.post(path).type(FORM).set('Accept', 'text/html').send(form.toString());
    expect({ path, status: res.status }).toEqual({ path, status });
    return res;
  };
  const api = (token: string, path: string) => request(t.http).get(path).set('Authorization', `Bearer ${token}`);

  /** A fresh location with devices, made through the pages (so tests do not share devices). */
  const makeLocation = async (agent: Agent, name: string, devices: [string, string[]][]): Promise<string> => {
    const created = await post(agent, '/locations', { name, timeZone: 'Europe/Paris' }, 303);
    const id = /^\/locations\/([0-9a-f-]{36})$/.exec(created.headers.location)?.[1];
    if (!id) {
      throw new Error(`unexpected redirect ${created.headers.location}`);
    }
    for (const [label, capabilities] of devices) {
      await post(agent, `/locations/${id}/devices`, { label, capabilities }, 303);
    }
    return id;
  };

  beforeAll(async () => {
    t = await startTestApp();
    demo = await loggedIn(t.http, DEMO_USER);
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends a visitor without a session to log in', async () => {
    for (const path of ['/locations', '/apps', `/devices/${(await device('Kitchen Light')).id}`]) {
      const res = await request(t.http).get(path).set('Accept', 'text/html').expect(302);
      expect(res.headers.location).toBe(`/login?return_to=${encodeURIComponent(path)}`);
    }
  });

  it('creates and renames a location and adds a device, answering each post with 303', async () => {
    const id = await makeLocation(demo, 'Garage', [['Garage Door', ['contactSensor', 'battery']]]);
    const page = await demo.get(`/locations/${id}`).expect(200);
    expect(page.text).toContain('Garage Door');
    await post(demo, `/locations/${id}/rename`, { name: 'Workshop' }, 303);
    expect((await t.db.getRepository(Location).findOneByOrFail({ id })).name).toBe('Workshop');
    const garageDoor = await device('Garage Door');
    expect(garageDoor).toMatchObject({ locationId: id, capabilities: ['contactSensor', 'battery'], state: { contact: 'closed', battery: 100 } });
    const empty = await post(demo, `/locations/${id}/rename`, { name: '  ' }, 400);
    expect(empty.text).toContain('Please give the location a name');
    const noCapability = await post(demo, `/locations/${id}/devices`, { label: 'Nothing' }, 400);
    expect(noCapability.text).toContain('Please choose at least one capability');
    const unknown = await post(demo, `/locations/${id}/devices`, { label: 'Odd', capabilities: ['teleport'] }, 400);
    expect(unknown.text).toContain('Please choose capabilities from the list');
    const badZone = await post(demo, '/locations', { name: 'Nowhere', timeZone: 'Mars/Olympus' }, 400);
    expect(badZone.text).toContain('Please choose a time zone from the list');
  });

  it('runs device commands as the user and simulated readings as the simulator, through events', async () => {
    const id = await makeLocation(demo, 'Lab', [
      ['Lab Dimmer', ['switch', 'switchLevel']],
      ['Lab Thermostat', ['thermostat', 'temperatureMeasurement']],
      ['Lab Motion', ['motionSensor', 'battery']],
    ]);
    const dimmer = await device('Lab Dimmer');
    await post(demo, `/devices/${dimmer.id}/commands`, { command: 'on' }, 303);
    await post(demo, `/devices/${dimmer.id}/commands`, { command: 'setLevel', value: '30' }, 303);
    const thermostat = await device('Lab Thermostat');
    await post(demo, `/devices/${thermostat.id}/commands`, { command: 'setHeatingSetpoint', value: '21.5' }, 303);
    await post(demo, `/devices/${thermostat.id}/commands`, { command: 'setThermostatMode', value: 'heat' }, 303);
    await post(demo, `/devices/${thermostat.id}/simulate`, { attribute: 'temperature', value: '18.2' }, 303);
    const motion = await device('Lab Motion');
    await post(demo, `/devices/${motion.id}/simulate`, { attribute: 'motion', value: 'active' }, 303);

    expect((await device('Lab Dimmer')).state).toEqual({ switch: 'on', level: 30 });
    expect((await device('Lab Thermostat')).state).toMatchObject({ heatingSetpoint: 21.5, thermostatMode: 'heat', temperature: 18.2 });
    expect((await device('Lab Motion')).state.motion).toBe('active');
    const events = await t.db.getRepository(DeviceEvent).find({ where: { locationId: id }, order: { createdAt: 'ASC' } });
    expect(events.map((e) => [e.attribute, e.value, e.source])).toEqual([
      ['switch', 'on', 'user'],
      ['level', 30, 'user'],
      ['heatingSetpoint', 21.5, 'user'],
      ['thermostatMode', 'heat', 'user'],
      ['temperature', 18.2, 'simulator'],
      ['motion', 'active', 'simulator'],
    ]);

    const page = await demo.get(`/devices/${dimmer.id}`).expect(200);
    expect(page.text).toContain('Recent events');
    expect(page.text).toMatch(/<td>Level<\/td><td>30 %<\/td><td>You<\/td>/);

    // refused: out of range, not a command of the device, an attribute the device does not have, a value outside its set
    expect((await post(demo, `/devices/${dimmer.id}/commands`, { command: 'setLevel', value: '130' }, 400)).text).toContain('level must be from 0 to 100');
    expect((await post(demo, `/devices/${dimmer.id}/commands`, { command: 'unlock' }, 400)).text).toContain('has no command');
    expect((await post(demo, `/devices/${dimmer.id}/simulate`, { attribute: 'lock', value: 'locked' }, 400)).text).toContain('no sensor reading');
    expect((await post(demo, `/devices/${dimmer.id}/simulate`, { attribute: 'switch', value: 'dim' }, 400)).text).toContain('switch must be one of on, off');
    expect((await device('Lab Dimmer')).state).toEqual({ switch: 'on', level: 30 });
  });

  describe('ownership', () => {
    let otherInstallation: string;
    let otherToken: string;

    beforeAll(async () => {
      const other = await connect(t.http, OTHER_USER, 'Flat', (page) => ({ switches: optionValue(page, 'Flat Light') }));
      otherInstallation = other.token.installation_id;
      otherToken = other.token.access_token;
    });

    it('answers 404 for another user’s location, device and installation pages', async () => {
      const flat = await location('Flat');
      const flatLight = await device('Flat Light');
      for (const path of [
        `/locations/${flat.id}`,
        `/locations/${flat.id}/delete`,
        `/locations/${flat.id}/devices/new`,
        `/devices/${flatLight.id}`,
        `/devices/${flatLight.id}/delete`,
        `/apps/${otherInstallation}`,
        `/apps/${otherInstallation}/configure`,
        `/apps/${otherInstallation}/revoke`,
      ]) {
        const res = await demo.get(path).set('Accept', 'text/html');
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.text).not.toContain('Flat Light');
      }
    });

    it('refuses posts on another user’s things with 404 and changes nothing', async () => {
      const flat = await location('Flat');
      const flatLight = await device('Flat Light');
      const posts: [string, Record<string, string>][] = [
        [`/locations/${flat.id}/rename`, { name: 'Mine now' }],
        [`/locations/${flat.id}/delete`, { confirm: 'yes' }],
        [`/locations/${flat.id}/devices`, { label: 'Planted', capabilities: 'switch' }],
        [`/devices/${flatLight.id}/rename`, { label: 'Mine now' }],
        [`/devices/${flatLight.id}/commands`, { command: 'on' }],
        [`/devices/${flatLight.id}/simulate`, { attribute: 'switch', value: 'on' }],
        [`/devices/${flatLight.id}/delete`, { confirm: 'yes' }],
        [`/apps/${otherInstallation}/configure`, { decision: 'save' }],
        [`/apps/${otherInstallation}/revoke`, {}],
      ];
      for (const [path, fields] of posts) {
        await post(demo, path, fields, 404);
      }
      expect((await location('Flat')).name).toBe('Flat');
      expect(await device('Flat Light')).toMatchObject({ label: 'Flat Light', state: { switch: 'off' } });
      expect(await t.db.getRepository(Device).countBy({ locationId: flat.id })).toBe(1);
      expect((await t.db.getRepository(Installation).findOneByOrFail({ id: otherInstallation })).status).toBe('active');
      expect(await grantsOf(otherInstallation)).toHaveLength(1);
      await api(otherToken, '/api/smartapps/endpoints').expect(200);
    });
  });

  it('refuses every form post without _csrf with 403 and changes nothing', async () => {
    const id = await makeLocation(demo, 'Csrf House', [['Csrf Light', ['switch']], ['Csrf Sensor', ['contactSensor']]]);
    const { token } = await connect(t.http, DEMO_USER, 'Csrf House', (page) => ({ switches: optionValue(page, 'Csrf Light') }));
    const light = await device('Csrf Light');
    const sensor = await device('Csrf Sensor');
    const snapshot = async () => ({
      locations: await t.db.getRepository(Location).find({ order: { id: 'ASC' } }),
      devices: await t.db.getRepository(Device).find({ order: { id: 'ASC' } }),
      grants: await t.db.getRepository(DeviceGrant).count(),
      installations: await t.db.getRepository(Installation).find({ select: { id: true, status: true, updatedAt: true }, order: { id: 'ASC' } }),
      events: await t.db.getRepository(DeviceEvent).count(),
    });
    const before = await snapshot();
    const posts: [string, Record<string, string>][] = [
      ['/locations', { name: 'Sneaky', timeZone: 'UTC' }],
      [`/locations/${id}/rename`, { name: 'Sneaky' }],
      [`/locations/${id}/delete`, { confirm: 'yes' }],
      [`/locations/${id}/devices`, { label: 'Sneaky', capabilities: 'switch' }],
      [`/devices/${light.id}/rename`, { label: 'Sneaky' }],
      [`/devices/${light.id}/commands`, { command: 'on' }],
      [`/devices/${sensor.id}/simulate`, { attribute: 'contact', value: 'open' }],
      [`/devices/${sensor.id}/delete`, { confirm: 'yes' }],
      [`/apps/${token.installation_id}/configure`, { decision: 'save', 'settings[switches]': light.id }],
      [`/apps/${token.installation_id}/revoke`, {}],
    ];
    for (const [path, fields] of posts) {
      const res = await demo.post(path).type(FORM).set('Accept', 'text/html').send(new URLSearchParams(fields).toString());
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(res.text).toContain('This form has expired');
      const forged = await demo.post(path).type(FORM).send(new URLSearchParams({ ...fields, _csrf: 'not-the-token-of-this-session-000000000' }).toString());
      expect({ path, status: forged.status }).toEqual({ path, status: 403 });
    }
    expect(await snapshot()).toEqual(before);
    await api(token.access_token, `/api/smartapps/installations/${token.installation_id}/switches`).expect(200);
  });

  it('refuses to delete a location while an installation uses it, saying which, and deletes it once disconnected', async () => {
    const id = await makeLocation(demo, 'Chalet', [['Chalet Light', ['switch']], ['Chalet Lock', ['lock']]]);
    const { token } = await connect(t.http, DEMO_USER, 'Chalet', (page) => ({ switches: optionValue(page, 'Chalet Light') }));

    const confirm = await demo.get(`/locations/${id}/delete`).expect(200);
    expect(confirm.text).toContain('Device Bridge (connected by Demo Service)');
    expect(confirm.text).not.toContain('name="confirm"');
    const refused = await post(demo, `/locations/${id}/delete`, { confirm: 'yes' }, 409);
    expect(refused.text).toContain('Chalet was not deleted');
    expect(refused.text).toContain('Device Bridge (connected by Demo Service)');
    expect(await t.db.getRepository(Location).countBy({ id })).toBe(1);
    expect(await t.db.getRepository(Device).countBy({ locationId: id })).toBe(2);

    // without the confirmation field the post only leads back to the confirmation page
    await post(demo, `/apps/${token.installation_id}/revoke`, {}, 303);
    const unconfirmed = await post(demo, `/locations/${id}/delete`, {}, 303);
    expect(unconfirmed.headers.location).toBe(`/locations/${id}/delete`);
    expect(await t.db.getRepository(Location).countBy({ id })).toBe(1);

    const deleted = await post(demo, `/locations/${id}/delete`, { confirm: 'yes' }, 303);
    expect(deleted.headers.location).toBe('/locations');
    expect(await t.db.getRepository(Location).countBy({ id })).toBe(0);
    expect(await t.db.getRepository(Device).countBy({ locationId: id })).toBe(0);
    expect(await t.db.getRepository(Installation).countBy({ id: token.installation_id })).toBe(0);
  });

  it('deletes a device in use only when confirmed, removing its grants and telling the app', async () => {
    await makeLocation(demo, 'Barn', [['Barn Light', ['switch']], ['Barn Lamp', ['switch']]]);
    const barnLight = await device('Barn Light');
    const barnLamp = await device('Barn Lamp');
    const { token } = await connect(t.http, DEMO_USER, 'Barn', () => ({ switches: [barnLight.id, barnLamp.id] }));
    const base = `/api/smartapps/installations/${token.installation_id}`;
    expect((await api(token.access_token, `${base}/switches`).expect(200)).body).toHaveLength(2);

    const confirm = await demo.get(`/devices/${barnLight.id}/delete`).expect(200);
    expect(confirm.text).toContain('Device Bridge (connected by Demo Service)');
    expect(confirm.text).toContain('Delete and remove from these apps');
    const unconfirmed = await post(demo, `/devices/${barnLight.id}/delete`, {}, 303);
    expect(unconfirmed.headers.location).toBe(`/devices/${barnLight.id}/delete`);
    expect(await t.db.getRepository(Device).countBy({ id: barnLight.id })).toBe(1);
    expect(await grantsOf(token.installation_id)).toHaveLength(2);

    const deleted = await post(demo, `/devices/${barnLight.id}/delete`, { confirm: 'yes' }, 303);
    expect(deleted.headers.location).toBe(`/locations/${barnLight.locationId}`);
    expect(await t.db.getRepository(Device).countBy({ id: barnLight.id })).toBe(0);
    expect((await grantsOf(token.installation_id)).map((g) => g.deviceId)).toEqual([barnLamp.id]);
    const activity = await t.db.getRepository(ActivityLog).findBy({ installationId: token.installation_id, kind: 'lifecycle' });
    expect(activity.map((a) => a.summary)).toContain('Lost access to Barn Light: you deleted the device');
    expect((await api(token.access_token, `${base}/switches`).expect(200)).body).toEqual([{ id: barnLamp.id, name: 'Barn Lamp', value: 'off' }]);
  });

  it('configure re-opens the choices, runs updated() and changes the grants', async () => {
    await makeLocation(demo, 'Villa', [['Villa Light', ['switch']], ['Villa Porch', ['switch']], ['Villa Door', ['lock']]]);
    const light = await device('Villa Light');
    const porch = await device('Villa Porch');
    const { token } = await connect(t.http, DEMO_USER, 'Villa', () => ({ switches: light.id }));
    const id = token.installation_id;

    const page = await demo.get(`/apps/${id}/configure`).expect(200);
    expect(page.text).toContain(`action="/apps/${id}/configure"`);
    expect(page.text).toContain('name="decision" value="save"');
    expect(page.text).toMatch(new RegExp(`value="${light.id}" checked>\\s*Villa Light`));
    expect(page.text).toMatch(new RegExp(`value="${porch.id}" >\\s*Villa Porch`));
    expect(page.text).not.toContain('Greeting');

    const forged = await post(demo, `/apps/${id}/configure`, { decision: 'save', 'settings[switches]': [light.id, (await device('Kitchen Light')).id] }, 400);
    expect(forged.text).toContain('A device that was not offered was chosen');
    expect(forged.text).toMatch(new RegExp(`value="${light.id}" checked>`));
    expect((await grantsOf(id)).map((g) => g.deviceId)).toEqual([light.id]);

    const saved = await post(demo, `/apps/${id}/configure`, { decision: 'save', 'settings[switches]': [light.id, porch.id] }, 303);
    expect(saved.headers.location).toBe(`/apps/${id}`);
    expect((await grantsOf(id)).map((g) => g.deviceId).sort()).toEqual([light.id, porch.id].sort());
    const logs = await t.db.getRepository(AppLog).findBy({ installationId: id });
    expect(logs.map((l) => l.message)).toContain('updated: 2 switch(es) and 0 lock(s)');
    const names = (await api(token.access_token, `/api/smartapps/installations/${id}/switches`).expect(200)).body as { name: string }[];
    expect(names.map((n) => n.name).sort()).toEqual(['Villa Light', 'Villa Porch']);
    const detail = await demo.get(`/apps/${id}`).expect(200);
    expect(detail.text).toContain('Reconfigured by you: 2 device(s) granted');
  });

  it('rolls a reconfiguration back when updated() fails, and says so on an error page', async () => {
    const author = await t.app.get(AccountsService).findByEmail(DEMO_USER.email);
    const source = `export default {
      definition: { name: 'Grumpy', namespace: 'test', author: 'Tests', description: 'Refuses every update', category: 'Test' },
      preferences: [{ section: 'Things', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Which switches?', multiple: true, required: false }] }],
      mappings: { '/switches': { GET: 'list' } },
      installed(ctx) {},
      updated(ctx) { throw new Error('I do not like change') },
      handlers: { list(ctx) { return ctx.settings.switches.map((d) => d.label) } },
    }`;
    const published = await t.app.get(SmartAppsService).create(author!.id, source);
    const redirectUri = 'http://127.0.0.1:4000/grumpy/callback';
    const client = await t.app.get(ClientsService).create({ clientId: 'grumpy', name: 'Grumpy Service', smartAppId: published.smartAppId, redirectUris: [redirectUri] });
    await makeLocation(demo, 'Hut', [['Hut Light', ['switch']], ['Hut Lamp', ['switch']]]);
    const light = await device('Hut Light');
    const lamp = await device('Hut Lamp');
    const agent = await loggedIn(t.http, DEMO_USER);
    const consent = await openPreferences(agent, 'Hut', { clientId: client.clientId, redirectUri });
    await decide(agent, consent, 'allow', { switches: light.id }).expect(303);
    const installation = await t.db.getRepository(Installation).findOneByOrFail({ clientId: 'grumpy' });

    const failed = await post(demo, `/apps/${installation.id}/configure`, { decision: 'save', 'settings[switches]': [light.id, lamp.id] }, 500);
    expect(failed.text).toContain('Grumpy could not be updated');
    expect(failed.text).toContain('Nothing was changed');
    expect((await grantsOf(installation.id)).map((g) => g.deviceId)).toEqual([light.id]);
    const errors = await t.db.getRepository(ActivityLog).findBy({ installationId: installation.id, kind: 'error' });
    expect(errors.map((e) => e.summary).join()).toContain('Reconfiguration refused: updated() failed');
    expect(await t.db.getRepository(ActivityLog).countBy({ installationId: installation.id, summary: In(['Reconfigured by you: 2 device(s) granted']) })).toBe(0);
    // the author still sees why, though the transaction rolled back
    const logs = await t.db.getRepository(AppLog).findBy({ installationId: installation.id, level: 'error' });
    expect(logs.map((l) => l.message).join('\n')).toContain('I do not like change');
  });

  it('disconnect asks first, then revokes every token at once (the old token gets 401)', async () => {
    const { token } = await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const id = token.installation_id;
    await api(token.access_token, '/api/smartapps/endpoints').expect(200);

    const list = await demo.get('/apps').expect(200);
    expect(list.text).toContain(`href="/apps/${id}/revoke"`);
    const confirm = await demo.get(`/apps/${id}/revoke`).expect(200);
    expect(confirm.text).toContain('Disconnect Device Bridge?');
    expect(confirm.text).toContain('Kitchen Light');
    expect((await t.db.getRepository(Installation).findOneByOrFail({ id })).status).toBe('active');

    const done = await post(demo, `/apps/${id}/revoke`, {}, 303);
    expect(done.headers.location).toBe('/apps');
    const endpoints = await api(token.access_token, '/api/smartapps/endpoints').expect(401);
    expect(endpoints.body.error).toBe('invalid_token');
    await api(token.access_token, `/api/smartapps/installations/${id}/switches`).expect(401);
    const refreshed = await request(t.http)
      .post('/oauth/token')
      .auth('device-bridge', 'device-bridge-secret')
      .type(FORM)
      .send({ grant_type: 'refresh_token', refresh_token: token.refresh_token });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await t.db.getRepository(Installation).findOneByOrFail({ id })).status).toBe('uninstalled');
    expect(await grantsOf(id)).toHaveLength(0);
    await demo.get(`/apps/${id}`).set('Accept', 'text/html').expect(404);
    const activity = await t.db.getRepository(ActivityLog).findBy({ installationId: id, kind: 'lifecycle' });
    expect(activity.map((a) => a.summary)).toContain('Disconnected by you on Connected apps');
  });

  it('pages the activity of a connected app', async () => {
    const { token } = await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Porch Light') }));
    for (let i = 0; i < 22; i++) {
      await api(token.access_token, `/api/smartapps/installations/${token.installation_id}/switches`).expect(200);
    }
    const first = await demo.get(`/apps/${token.installation_id}`).expect(200);
    expect(first.text.match(/GET \/switches → 200/g)).toHaveLength(20);
    expect(first.text).toContain(`href="/apps/${token.installation_id}?page=2"`);
    const second = await demo.get(`/apps/${token.installation_id}?page=2`).expect(200);
    expect(second.text.match(/GET \/switches → 200/g)).toHaveLength(2);
    expect(second.text).toContain('Installed by Demo Service with 1 device(s)');
    expect(second.text).not.toContain('?page=3');
  });

  it('shows home with locations, devices, connected apps and the console link for developers only', async () => {
    const home = await demo.get('/').expect(200);
    expect(home.text).toContain('href="/developer"');
    expect(home.text).toContain('Kitchen Light');
    expect(home.text).toContain('Connected apps');
    const other = await loggedIn(t.http, OTHER_USER);
    const otherHome = await other.get('/').expect(200);
    expect(otherHome.text).not.toContain('href="/developer"');
    expect(otherHome.text).toContain('Flat Light');
    expect(otherHome.text).not.toContain('Kitchen Light');
  });
});
