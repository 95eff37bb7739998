import request from 'supertest';
import { CallbacksService } from '../../src/events/callbacks.service';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { InstallationLifecycle } from '../../src/installations/installation-lifecycle.service';
import { InstallationsService } from '../../src/installations/installations.service';
import { Device } from '../../src/locations/device.entity';
import { agentFor, codeFrom, decide, logIn, openPreferences } from '../helpers/browser';
import { addDevice, deviceState, exampleSource, publishApp, PublishedApp, Receiver, sensorReading, startReceiver, userCommand, verifySignature } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };

// every input of the original: device type in the URL -> the device the user shares, its attribute and first value
const TYPES: { type: string; device: string; capability: string; attribute: string; value: string | number }[] = [
  { type: 'switches', device: 'Porch Light', capability: 'switch', attribute: 'switch', value: 'off' },
  { type: 'motionSensors', device: 'Hallway Motion', capability: 'motionSensor', attribute: 'motion', value: 'inactive' },
  { type: 'contactSensors', device: 'Front Door', capability: 'contactSensor', attribute: 'contact', value: 'closed' },
  { type: 'presenceSensors', device: 'Phone', capability: 'presenceSensor', attribute: 'presence', value: 'present' },
  { type: 'temperatureSensors', device: 'Living Room Thermostat', capability: 'temperatureMeasurement', attribute: 'temperature', value: 20 },
  { type: 'accelerationSensors', device: 'Washer', capability: 'accelerationSensor', attribute: 'acceleration', value: 'inactive' },
  { type: 'waterSensors', device: 'Basement Leak', capability: 'waterSensor', attribute: 'water', value: 'dry' },
  { type: 'lightSensors', device: 'Garden Light Sensor', capability: 'illuminanceMeasurement', attribute: 'illuminance', value: 300 },
  { type: 'humiditySensors', device: 'Bathroom Humidity', capability: 'relativeHumidityMeasurement', attribute: 'humidity', value: 50 },
  { type: 'alarms', device: 'Hall Siren', capability: 'alarm', attribute: 'alarm', value: 'off' },
  { type: 'locks', device: 'Front Door', capability: 'lock', attribute: 'lock', value: 'locked' },
];
const NEW_DEVICES: [string, string[]][] = [
  ['Phone', ['presenceSensor']],
  ['Washer', ['accelerationSensor']],
  ['Basement Leak', ['waterSensor']],
  ['Garden Light Sensor', ['illuminanceMeasurement']],
  ['Bathroom Humidity', ['relativeHumidityMeasurement']],
  ['Hall Siren', ['alarm']],
];

describe('examples/ifttt.js: the port of the classic IFTTT SmartApp, driven through every input and mapping', () => {
  let t: TestApp;
  let receiver: Receiver;
  let ifttt: PublishedApp;
  let base: string;
  let installationId: string;
  let accessToken: string;
  const ids: Record<string, string> = {};
  const api = () => ({
    get: (path: string) => request(t.http).get(`${base}${path}`).set('Authorization', `Bearer ${accessToken}`),
    put: (path: string, body: object) => request(t.http).put(`${base}${path}`).set('Authorization', `Bearer ${accessToken}`).send(body),
    post: (path: string, body: object) => request(t.http).post(`${base}${path}`).set('Authorization', `Bearer ${accessToken}`).send(body),
    delete: (path: string) => request(t.http).delete(`${base}${path}`).set('Authorization', `Bearer ${accessToken}`),
  });
  const deliverAll = async () => {
    await t.app.get(EventOutbox).drain();
    await t.app.get(CallbacksService).drain();
  };
  // what the app sent; the installation id the platform adds to every callback body is checked and set aside
  const pushed = () =>
    receiver.received.map((r) => {
      const { installationId: sentFor, ...sent } = JSON.parse(r.body) as { installationId: unknown; evt: { deviceId: string; name: string; value: unknown } };
      expect(sentFor).toBe(installationId);
      return sent;
    });
  const changedAt = async (label: string, attribute: string) => {
    const device = await t.db.getRepository(Device).findOneByOrFail({ label });
    return Date.parse(device.stateDates?.[attribute] ?? '');
  };
  const callback = (name: string) => `${receiver.url}/ifttt/v1/triggers/${name}`;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp();
    ifttt = await publishApp(t, exampleSource('ifttt.js'), { callbackPrefixes: [`${receiver.url}/ifttt/v1/`] });
    for (const [label, capabilities] of NEW_DEVICES) {
      ids[label] = await addDevice(t, label, capabilities);
    }
    for (const label of ['Kitchen Light', 'Porch Light', 'Front Door', 'Hallway Motion', 'Living Room Thermostat']) {
      ids[label] = (await t.db.getRepository(Device).findOneByOrFail({ label })).id;
    }
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('publishes with all 11 inputs and is authorized through the OAuth pages with a device for each', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home', { clientId: ifttt.clientId, redirectUri: ifttt.redirectUri });
    for (const title of [
      'Which Switches?',
      'Which Motion Sensors?',
      'Which Contact Sensors?',
      'Which Presence Sensors?',
      'Which Temperature Sensors?',
      'Which Vibration Sensors?',
      'Which Water Sensors?',
      'Which Light Sensors?',
      'Which Relative Humidity Sensors?',
      'Which Sirens?',
      'Which Locks?',
    ]) {
      expect(page).toContain(title);
    }
    // the consent page says what each new capability allows, in plain words
    expect(page).toContain('see whether it is at home');
    expect(page).toContain('see whether it detects water');
    const settings: Record<string, string[]> = {};
    for (const { type, device } of TYPES) {
      settings[type] = [ids[device]];
    }
    settings.switches = [ids['Kitchen Light'], ids['Porch Light']];
    const decided = await decide(agent, page, 'allow', settings).expect(303);
    const token = await request(t.http)
      .post('/oauth/token')
      .auth(ifttt.clientId, ifttt.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: ifttt.redirectUri })
      .expect(200);
    accessToken = token.body.access_token;
    installationId = token.body.installation_id;
    base = `/api/smartapps/installations/${installationId}`;
  });

  it('lists every device type, with labels, and nothing for a type that names no input', async () => {
    for (const { type, device } of TYPES.filter((x) => x.type !== 'switches')) {
      expect((await api().get(`/${type}`).expect(200)).body).toEqual([{ id: ids[device], label: device }]);
    }
    const switches = (await api().get('/switches').expect(200)).body as { label: string }[];
    expect(switches.map((d) => d.label).sort()).toEqual(['Kitchen Light', 'Porch Light']);
    expect((await api().get('/fans').expect(200)).body).toEqual([]);
  });

  it('gives each type’s states with the attribute, value and when it last changed (currentState(...).date)', async () => {
    for (const { type, device, attribute, value } of TYPES.filter((x) => x.type !== 'switches')) {
      const states = await api().get(`/${type}/states`).expect(200);
      expect(states.body).toEqual([{ id: ids[device], label: device, name: attribute, value, unixTime: await changedAt(device, attribute) }]);
      const one = await api().get(`/${type}/${ids[device]}`).expect(200);
      expect(one.body).toEqual(states.body[0]);
    }
    await sensorReading(t, 'Basement Leak', 'water', 'wet');
    const water = await api().get(`/waterSensors/${ids['Basement Leak']}`).expect(200);
    expect(water.body).toMatchObject({ name: 'water', value: 'wet', unixTime: await changedAt('Basement Leak', 'water') });
    expect((await api().get(`/waterSensors/${ids['Phone']}`).expect(404)).body).toEqual({ error: true, type: 'SmartAppException', message: 'Device not found' });
  });

  it('runs a command only when the type’s capability has it: 403 for another command, 400 for sensors', async () => {
    await api().put(`/switches/${ids['Kitchen Light']}`, { command: 'on' }).expect(204);
    expect((await deviceState(t, 'Kitchen Light')).switch).toBe('on');
    for (const command of ['siren', 'strobe', 'both', 'off']) {
      await api().put(`/alarms/${ids['Hall Siren']}`, { command }).expect(204);
      expect((await deviceState(t, 'Hall Siren')).alarm).toBe(command);
    }
    await api().put(`/locks/${ids['Front Door']}`, { command: 'unlock' }).expect(204);
    expect((await deviceState(t, 'Front Door')).lock).toBe('unlocked');
    await api().put(`/locks/${ids['Front Door']}`, { command: 'lock' }).expect(204);

    const denied = await api().put(`/switches/${ids['Kitchen Light']}`, { command: 'unlock' }).expect(403);
    expect(denied.body.message).toBe('Access denied. This command is not supported by current capability.');
    // the front door is shared as a lock and as a contact sensor: through contactSensors it takes no command
    const sensor = await api().put(`/contactSensors/${ids['Front Door']}`, { command: 'lock' }).expect(400);
    expect(sensor.body.message).toBe('Bad request.');
    await api().put(`/waterSensors/${ids['Basement Leak']}`, { command: 'on' }).expect(400);
    await api().put(`/locks/${ids['Kitchen Light']}`, { command: 'unlock' }).expect(404);
  });

  it('pushes subscribed devices’ changes of every kind to their callback URLs, signed, and not its own commands', async () => {
    const subscribed = TYPES.filter((x) => ['switches', 'presenceSensors', 'waterSensors', 'accelerationSensors', 'lightSensors', 'alarms', 'humiditySensors'].includes(x.type));
    for (const { type, device } of subscribed) {
      await api().post(`/${type}/subscription`, { deviceId: ids[device], callbackUrl: callback(type) }).expect(204);
    }
    // an unknown device subscribes nothing
    await api().post('/switches/subscription', { deviceId: ids['Phone'], callbackUrl: callback('nope') }).expect(204);
    const list = await api().get('/subscriptions').expect(200);
    expect(list.body).toEqual(Object.fromEntries(subscribed.map(({ type, device }) => [ids[device], { callbackUrl: callback(type) }])));

    await userCommand(t, 'Porch Light', 'on');
    await sensorReading(t, 'Phone', 'presence', 'not present');
    await sensorReading(t, 'Basement Leak', 'water', 'dry');
    await sensorReading(t, 'Washer', 'acceleration', 'active');
    await sensorReading(t, 'Garden Light Sensor', 'illuminance', 1200);
    await sensorReading(t, 'Bathroom Humidity', 'humidity', 71);
    await userCommand(t, 'Hall Siren', 'strobe');
    await deliverAll();
    expect(pushed()).toEqual([
      { evt: { deviceId: ids['Porch Light'], name: 'switch', value: 'on' } },
      { evt: { deviceId: ids['Phone'], name: 'presence', value: 'not present' } },
      { evt: { deviceId: ids['Basement Leak'], name: 'water', value: 'dry' } },
      { evt: { deviceId: ids['Washer'], name: 'acceleration', value: 'active' } },
      { evt: { deviceId: ids['Garden Light Sensor'], name: 'illuminance', value: 1200 } },
      { evt: { deviceId: ids['Bathroom Humidity'], name: 'humidity', value: 71 } },
      { evt: { deviceId: ids['Hall Siren'], name: 'alarm', value: 'strobe' } },
    ]);
    expect(receiver.received.map((r) => r.path)).toEqual(
      ['switches', 'presenceSensors', 'waterSensors', 'accelerationSensors', 'lightSensors', 'humiditySensors', 'alarms'].map((x) => `/ifttt/v1/triggers/${x}`),
    );
    expect(receiver.received.every((r) => verifySignature(ifttt.webhookSecret, r.headers, r.body))).toBe(true);

    receiver.received.length = 0;
    await api().put(`/switches/${ids['Porch Light']}`, { command: 'off' }).expect(204);
    await deliverAll();
    expect(receiver.received).toHaveLength(0);
  });

  // needs ctx.unsubscribe(device) to drop only that device's subscriptions (h5)
  it('stops pushing a device after its subscription is deleted, the others still push', async () => {
    await api().delete(`/waterSensors/subscriptions/${ids['Basement Leak']}`).expect(204);
    const list = (await api().get('/subscriptions').expect(200)).body as Record<string, unknown>;
    expect(Object.keys(list)).not.toContain(ids['Basement Leak']);
    expect(Object.keys(list)).toHaveLength(6);
    receiver.received.length = 0;
    await sensorReading(t, 'Basement Leak', 'water', 'wet');
    await userCommand(t, 'Porch Light', 'on');
    await deliverAll();
    expect(pushed()).toEqual([{ evt: { deviceId: ids['Porch Light'], name: 'switch', value: 'on' } }]);
  });

  // needs ctx.app.subscriptions and ctx.unsubscribe(device) (h5)
  it('on reconfigure, updated() drops the subscriptions and callback URLs of devices no longer shared', async () => {
    const grants = (await t.app.get(InstallationsService).grantsOf(installationId))
      .filter((g) => g.deviceId !== ids['Phone'] && g.deviceId !== ids['Hall Siren'])
      .map((g) => ({ inputName: g.inputName, deviceId: g.deviceId, capability: g.capability }));
    await t.app.get(InstallationLifecycle).reconfigure(installationId, {}, grants, 'Reconfigured by a test');
    const list = (await api().get('/subscriptions').expect(200)).body as Record<string, unknown>;
    expect(Object.keys(list).sort()).toEqual([ids['Porch Light'], ids['Washer'], ids['Garden Light Sensor'], ids['Bathroom Humidity']].sort());
    receiver.received.length = 0;
    await sensorReading(t, 'Phone', 'presence', 'present');
    await sensorReading(t, 'Washer', 'acceleration', 'inactive');
    await deliverAll();
    expect(pushed()).toEqual([{ evt: { deviceId: ids['Washer'], name: 'acceleration', value: 'inactive' } }]);
  });

  it('pushes nothing after uninstall', async () => {
    receiver.received.length = 0;
    await request(t.http).delete(base).set('Authorization', `Bearer ${accessToken}`).expect(204);
    await userCommand(t, 'Porch Light', 'off');
    await deliverAll();
    expect(receiver.received).toHaveLength(0);
  });
});
