import { createHmac } from 'node:crypto';
import { Server } from 'node:http';
import request from 'supertest';
import { startDemoClient } from '../../src/demo-client/demo-client';
import { CallbacksService } from '../../src/events/callbacks.service';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { Installation } from '../../src/installations/installation.entity';
import { Device } from '../../src/locations/device.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import { userCommand } from '../factories/events';
import type { PushedEventView } from '../../src/demo-client/pushed-events';
import { Agent, connect, csrfOf, decide, openPreferencesAt, optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { DEMO_USER, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

// The demo service is an ordinary OAuth client of the platform: these tests drive it over HTTP
// while a logged-in browser agent answers the platform's consent pages.

const WEBHOOK_SECRET = 'demo-service-e2e-webhook-secret';


describe('the demo external service', () => {
  let t: TestApp;
  let demoServer: Server;
  let demoUrl: string;
  let user: Agent;

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ PORT: String(port), BASE_URL: `http://localhost:${port}` });
    await t.app.listen(port);
    const demoPort = await freePort();
    demoUrl = `http://localhost:${demoPort}`;
    const seeded = await t.app.get(ClientsService).find('device-bridge');
    await t.app.get(ClientsService).create({
      clientId: 'demo-service-e2e',
      clientSecret: 'demo-service-e2e-secret',
      name: 'Demo Service',
      smartAppId: seeded!.smartAppId,
      redirectUris: [`${demoUrl}/callback`],
      callbackPrefixes: [`${demoUrl}/`],
      webhookSecret: WEBHOOK_SECRET,
    });
    demoServer = await startDemoClient(
      { platformUrl: t.config.baseUrl, publicUrl: demoUrl, clientId: 'demo-service-e2e', clientSecret: 'demo-service-e2e-secret', webhookSecret: WEBHOOK_SECRET },
      demoPort,
    );
    user = await loggedIn(t.http, DEMO_USER);
  });
  afterAll(async () => {
    demoServer.closeAllConnections();
    await new Promise((resolve) => demoServer.close(resolve));
    await t.close();
  });

  /** Runs Connect → consent (Home, Kitchen Light) → callback; returns the demo agent. */
  const connectDemo = async () => {
    const demo = request.agent(demoServer);
    const home = await demo.get('/').expect(200);
    const started = await demo.post('/connect').type('form').send({ _csrf: csrfOf(home.text) }).expect(303);
    const authorize = new URL(started.headers.location);
    const page = await openPreferencesAt(user, authorize.toString(), 'Home');
    const decided = await decide(user, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const callback = new URL(decided.headers.location);
    expect(callback.origin).toBe(demoUrl);
    await demo.get(`${callback.pathname}${callback.search}`).expect(303);
    return { demo, authorize, callback };
  };

  const installationOn = (page: string): string => {
    const id = /Installation<\/dt><dd><code>([0-9a-f-]{36})</.exec(page)?.[1];
    if (!id) {
      throw new Error('no installation id on the demo page');
    }
    return id;
  };
  const shownEvents = async (demo: Agent) => (await demo.get('/events.json').expect(200)).body as { connected: boolean; events: PushedEventView[] };
  /** The events worker's two steps, as npm start runs them: handlers, then callbacks. */
  const deliverEvents = async () => {
    await t.app.get(EventOutbox).drain();
    await t.app.get(CallbacksService).drain();
  };
  /** Standard Webhooks' v1 signature of `id.timestamp.body`; the demo service holds WEBHOOK_SECRET as a raw key. */
  const sign = (id: string, timestamp: number, body: string, secret = WEBHOOK_SECRET) => `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
  /** A POST /events as the docs say the platform signs it; the test knows the webhook secret. */
  const push = (body: string, headers: { installation: string; delivery: string; secret?: string; timestamp?: number; signature?: string | null }) => {
    const timestamp = headers.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = headers.signature === undefined ? sign(headers.delivery, timestamp, body, headers.secret) : headers.signature;
    const req = request(demoServer)
      .post('/events')
      .set('Content-Type', 'application/json')
      .set('webhook-timestamp', String(timestamp))
      .set('webhook-id', headers.delivery)
      .set('X-SmartApp-Installation', headers.installation);
    return (signature === null ? req : req.set('webhook-signature', signature)).send(body);
  };

  it('starts the authorization code flow with PKCE S256, state and its registered redirect URI', async () => {
    const { authorize, callback } = await connectDemo();
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${t.config.baseUrl}/oauth/authorize`);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('demo-service-e2e');
    expect(q.get('redirect_uri')).toBe(`${demoUrl}/callback`);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(callback.searchParams.get('state')).toBe(q.get('state'));
  });

  it('shows the endpoints reply and the granted switch, switches it, refreshes and disconnects with DELETE', async () => {
    const { demo } = await connectDemo();
    const page = await demo.get('/').expect(200);
    expect(page.text).toContain('Your switches in Home');
    expect(page.text).toContain('&quot;name&quot;: &quot;Home&quot;');
    expect(page.text).toContain('Turn Kitchen Light on');
    expect(page.text).not.toContain('Porch Light');
    const kitchen = await t.db.getRepository(Device).findOneByOrFail({ label: 'Kitchen Light' });
    await demo.post(`/switches/${kitchen.id}/on`).type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    expect((await t.db.getRepository(Device).findOneByOrFail({ id: kitchen.id })).state.switch).toBe('on');
    await demo.post('/refresh').type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    expect((await demo.get('/').expect(200)).text).toContain('Token refreshed');
    await demo.post(`/switches/${kitchen.id}/off`).type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    expect((await t.db.getRepository(Device).findOneByOrFail({ id: kitchen.id })).state.switch).toBe('off');

    const installationId = /Installation<\/dt><dd><code>([0-9a-f-]{36})</.exec(page.text)?.[1];
    const installation = await t.db.getRepository(Installation).findOneByOrFail({ id: installationId, status: 'active' });
    await demo.post('/disconnect').type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    expect((await t.db.getRepository(Installation).findOneByOrFail({ id: installation.id })).status).toBe('uninstalled');
    const after = await demo.get('/').expect(200);
    expect(after.text).toContain('Disconnected: the platform uninstalled the SmartApp');
    expect(after.text).toContain('Connect to SmartApp Platform');
  });

  it('refuses a callback whose state it did not issue, and forms without its CSRF token', async () => {
    const demo = request.agent(demoServer);
    const wrongState = await demo.get('/callback?code=abc&state=not-ours').expect(400);
    expect(wrongState.text).toContain('the state does not match');
    await demo.post('/connect').type('form').send({}).expect(403);
    await demo.post('/refresh').type('form').send({ _csrf: 'forged' }).expect(403);
  });

  it('sends a strict CSP, no framing and no referrer on its pages', async () => {
    const res = await request(demoServer).get('/').expect(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    await request(demoServer).get('/static/demo.css').expect(200).expect('Content-Type', /text\/css/);
  });

  it('gives Device Bridge its /events URL, is pushed the user’s switch changes signed, and shows them until it disconnects', async () => {
    const { demo } = await connectDemo();
    const page = await demo.get('/').expect(200);
    expect(page.text).toContain('Events pushed by the platform');
    expect(page.text).toContain('<script src="/static/events.js" defer></script>');
    const installationId = installationOn(page.text);
    expect((await t.db.getRepository(Installation).findOneByOrFail({ id: installationId })).state).toEqual({ callbackUrl: `${demoUrl}/events` });
    expect(await shownEvents(demo)).toEqual({ connected: true, events: [] });

    // the user switches the Kitchen Light on the platform's side (its device page does this)
    const kitchen = await t.db.getRepository(Device).findOneByOrFail({ label: 'Kitchen Light' });
    const value = kitchen.state.switch === 'on' ? 'off' : 'on';
    await userCommand(t, 'Kitchen Light', value);
    await deliverEvents();

    const shown = await shownEvents(demo);
    expect(shown.events).toHaveLength(1);
    expect(shown.events[0]).toMatchObject({ deviceId: kitchen.id, displayName: 'Kitchen Light', name: 'switch', value, time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/) });
    // the demo service takes a callback only with a valid signature; the platform saw it taken
    const activity = await t.db.getRepository(ActivityLog).findBy({ installationId, kind: 'callback' });
    expect(activity.map((a) => a.summary)).toEqual([`Callback to ${demoUrl}/events: HTTP 204 (attempt 1)`]);
    // without JavaScript the list is on the page
    expect((await demo.get('/').expect(200)).text).toContain(`<span class="event-device">Kitchen Light</span> switch is <strong>${value}</strong>`);

    await demo.post('/disconnect').type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    expect(await shownEvents(demo)).toEqual({ connected: false, events: [] });
  });

  it('refuses unsigned, forged, tampered, stale and replayed pushes, and shows none of them', async () => {
    const { demo } = await connectDemo();
    const installation = installationOn((await demo.get('/').expect(200)).text);
    const evt = { deviceId: 'd1', displayName: 'Garden Light', name: 'switch', value: 'on', date: new Date().toISOString() };
    const body = JSON.stringify({ installationId: installation, evt });
    const now = Math.floor(Date.now() / 1000);

    const unsigned = await push(body, { installation, delivery: 'a', signature: null }).expect(401);
    expect(unsigned.body.error).toBe('invalid_signature');
    await push(body, { installation, delivery: 'b', secret: 'not-the-webhook-secret' }).expect(401);
    await push(body, { installation, delivery: 'c', signature: 'v1,AA==' }).expect(401);
    await push(body, { installation, delivery: 'd', timestamp: now - 301 }).expect(401);
    await push(body, { installation, delivery: 'e', timestamp: now + 301 }).expect(401);
    // signed for one body, sent with another
    const other = body.replace('"on"', '"off"');
    await push(other, { installation, delivery: 'f', timestamp: now, signature: sign('f', now, body) }).expect(401);
    expect((await shownEvents(demo)).events).toEqual([]);

    // signed right: taken once; the same delivery is a replay, and a new id does not match g's signature
    await push(body, { installation, delivery: 'g', timestamp: now }).expect(204);
    await push(body, { installation, delivery: 'g', timestamp: now }).expect(409);
    await push(body, { installation, delivery: 'h', timestamp: now, signature: sign('g', now, body) }).expect(401);
    await push(body, { installation, delivery: 'i', timestamp: now + 1 }).expect(204);
    expect((await shownEvents(demo)).events.map((e) => [e.id, e.displayName, e.value])).toEqual([
      ['i', 'Garden Light', 'on'],
      ['g', 'Garden Light', 'on'],
    ]);
    // signed, but for an installation nobody here is connected to, or not an event
    const nobody = '00000000-0000-0000-0000-000000000000';
    await push(JSON.stringify({ installationId: nobody, evt }), { installation: nobody, delivery: 'j' }).expect(410);
    await push('{"hello":1}', { installation, delivery: 'k' }).expect(400);
    // the signed body names the installation; a header pointing elsewhere is refused
    const named = JSON.stringify({ installationId: '00000000-0000-0000-0000-000000000000', evt });
    await push(named, { installation, delivery: 'l' }).expect(400);
    expect((await shownEvents(demo)).events).toHaveLength(2);
  });

  it('keeps only the last 20 events of a connection', async () => {
    const { demo } = await connectDemo();
    const installation = installationOn((await demo.get('/').expect(200)).text);
    for (let i = 0; i < 25; i++) {
      const body = JSON.stringify({ installationId: installation, evt: { deviceId: 'd1', displayName: `Light ${i}`, name: 'switch', value: 'on', date: new Date().toISOString() } });
      await push(body, { installation, delivery: `keep-${i}` }).expect(204);
    }
    const events = (await shownEvents(demo)).events;
    expect(events).toHaveLength(20);
    expect(events[0].displayName).toBe('Light 24');
    expect(events[19].displayName).toBe('Light 5');
  });

  it('Device Bridge stores a callback URL with PUT /callback, refuses one that is not http(s), and forgets it with DELETE', async () => {
    const seeded = await t.app.get(ClientsService).find('device-bridge');
    expect(seeded).toMatchObject({ callbackPrefixes: ['http://localhost:3001/', 'http://127.0.0.1:3001/'], webhookSecret: 'whsec_ZGV2aWNlLWJyaWRnZS13ZWJob29rLXNlY3JldA==' });

    const { token } = await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Porch Light') }));
    const base = `/api/smartapps/installations/${token.installation_id}`;
    const call = (method: 'put' | 'delete', body?: object) => request(t.http)[method](`${base}/callback`).set('Authorization', `Bearer ${token.access_token}`).send(body);
    const stateNow = async () => (await t.db.getRepository(Installation).findOneByOrFail({ id: token.installation_id })).state;

    for (const url of [undefined, 42, 'ftp://localhost:3001/events', 'localhost:3001/events']) {
      const refused = await call('put', { url }).expect(400);
      expect(refused.body).toEqual({ error: true, type: 'SmartAppException', message: 'url must be a string starting with http:// or https://' });
    }
    expect(await stateNow()).toEqual({});
    const stored = await call('put', { url: 'http://localhost:3001/events' }).expect(200);
    expect(stored.body).toEqual({ url: 'http://localhost:3001/events' });
    expect(await stateNow()).toEqual({ callbackUrl: 'http://localhost:3001/events' });
    await call('delete').expect(204);
    expect(await stateNow()).toEqual({});
  });
});
