import request from 'supertest';
import { CallbacksService } from '../../src/events/callbacks.service';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { agentFor, codeFrom, decide, logIn, openPreferences } from '../helpers/browser';
import { deviceId, deviceState, exampleSource, publishApp, PublishedApp, Receiver, sensorReading, startReceiver, userCommand, verifySignature } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };

describe('examples/ifttt.js: an IFTTT-style service connects, controls devices and is called back on changes', () => {
  let t: TestApp;
  let receiver: Receiver;
  let ifttt: PublishedApp;
  let base: string;
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
      const { installationId, ...sent } = JSON.parse(r.body) as { installationId: unknown; evt: { deviceId: string; name: string; value: unknown } };
      expect(installationId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      return sent;
    });

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp();
    ifttt = await publishApp(t, exampleSource('ifttt.js'), { callbackPrefixes: [`${receiver.url}/ifttt/v1/`] });
    for (const label of ['Kitchen Light', 'Porch Light', 'Front Door', 'Hallway Motion', 'Living Room Thermostat']) {
      ids[label] = await deviceId(t, label);
    }
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('is authorized by the user through the OAuth pages with the devices they pick', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home', { clientId: ifttt.clientId, redirectUri: ifttt.redirectUri });
    for (const title of ['Which switches?', 'Which locks?', 'Which open/close sensors?', 'Which motion sensors?', 'Which temperature sensors?']) {
      expect(page).toContain(title);
    }
    const decided = await decide(agent, page, 'allow', {
      switches: [ids['Kitchen Light'], ids['Porch Light']],
      locks: ids['Front Door'],
      contactSensors: ids['Front Door'],
      motionSensors: ids['Hallway Motion'],
      temperatureSensors: ids['Living Room Thermostat'],
    }).expect(303);
    const token = await request(t.http)
      .post('/oauth/token')
      .auth(ifttt.clientId, ifttt.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: ifttt.redirectUri })
      .expect(200);
    accessToken = token.body.access_token;
    base = `/api/smartapps/installations/${token.body.installation_id}`;
  });

  it('lists devices by type and their states', async () => {
    const switches = await api().get('/switches').expect(200);
    expect((switches.body as { label: string }[]).map((d) => d.label).sort()).toEqual(['Kitchen Light', 'Porch Light']);
    expect(switches.body).toContainEqual({ id: ids['Kitchen Light'], label: 'Kitchen Light' });
    const states = await api().get('/switches/states').expect(200);
    expect(states.body).toContainEqual({ id: ids['Porch Light'], label: 'Porch Light', name: 'switch', value: 'off', unixTime: expect.any(Number) });
    const temperature = await api().get('/temperatureSensors/states').expect(200);
    expect(temperature.body).toEqual([{ id: ids['Living Room Thermostat'], label: 'Living Room Thermostat', name: 'temperature', value: 20, unixTime: expect.any(Number) }]);
    const door = await api().get(`/contactSensors/${ids['Front Door']}`).expect(200);
    expect(door.body).toMatchObject({ id: ids['Front Door'], name: 'contact', value: 'closed' });
    const unknown = await api().get('/presenceSensors').expect(404);
    expect(unknown.body).toEqual({ error: true, type: 'SmartAppException', message: 'Unknown device type presenceSensors' });
  });

  it('runs a command only when the capability has it', async () => {
    const on = await api().put(`/switches/${ids['Kitchen Light']}`, { command: 'on' }).expect(200);
    expect(on.body).toMatchObject({ id: ids['Kitchen Light'], name: 'switch', value: 'on' });
    expect((await deviceState(t, 'Kitchen Light')).switch).toBe('on');
    await api().put(`/switches/${ids['Kitchen Light']}`, { command: 'unlock' }).expect(400);
    await api().put(`/contactSensors/${ids['Front Door']}`, { command: 'open' }).expect(400);
    await api().put(`/locks/${ids['Kitchen Light']}`, { command: 'unlock' }).expect(404);
    await api().put(`/locks/${ids['Front Door']}`, { command: 'unlock' }).expect(200);
    expect((await deviceState(t, 'Front Door')).lock).toBe('unlocked');
  });

  it('pushes a subscribed device’s changes to the callback URL, signed', async () => {
    const sub = await api().post('/switches/subscription', { deviceId: ids['Porch Light'], callbackUrl: `${receiver.url}/ifttt/v1/triggers/switch` }).expect(201);
    expect(sub.body).toMatchObject({ id: ids['Porch Light'], deviceId: ids['Porch Light'] });
    await api().post('/contactSensors/subscription', { deviceId: ids['Front Door'], callbackUrl: `${receiver.url}/ifttt/v1/triggers/contact` }).expect(201);
    const list = await api().get('/subscriptions').expect(200);
    expect((list.body as { deviceId: string }[]).map((s) => s.deviceId).sort()).toEqual([ids['Porch Light'], ids['Front Door']].sort());

    // the user switches the porch light on their side; the door sensor reports
    await userCommand(t, 'Porch Light', 'on');
    await sensorReading(t, 'Front Door', 'contact', 'open');
    await deliverAll();
    expect(pushed()).toEqual([
      { evt: { deviceId: ids['Porch Light'], name: 'switch', value: 'on' } },
      { evt: { deviceId: ids['Front Door'], name: 'contact', value: 'open' } },
    ]);
    expect(receiver.received.map((r) => r.path)).toEqual(['/ifttt/v1/triggers/switch', '/ifttt/v1/triggers/contact']);
    expect(receiver.received.every((r) => verifySignature(ifttt.webhookSecret, r.headers, r.body))).toBe(true);

    // its own command is not pushed back to it
    receiver.received.length = 0;
    await api().put(`/switches/${ids['Porch Light']}`, { command: 'off' }).expect(200);
    await deliverAll();
    expect(receiver.received).toHaveLength(0);
  });

  it('stops pushing a device after its subscription is deleted, and everything after uninstall', async () => {
    await api().delete(`/contactSensors/subscriptions/${ids['Front Door']}`).expect(204);
    const list = await api().get('/subscriptions').expect(200);
    expect((list.body as { deviceId: string }[]).map((s) => s.deviceId)).toEqual([ids['Porch Light']]);
    await sensorReading(t, 'Front Door', 'contact', 'closed');
    await userCommand(t, 'Porch Light', 'on');
    await deliverAll();
    expect(pushed()).toEqual([{ evt: { deviceId: ids['Porch Light'], name: 'switch', value: 'on' } }]);

    receiver.received.length = 0;
    await request(t.http).delete(base).set('Authorization', `Bearer ${accessToken}`).expect(204);
    await userCommand(t, 'Porch Light', 'off');
    await deliverAll();
    expect(receiver.received).toHaveLength(0);
  });
});
