import { Server } from 'node:http';
import request from 'supertest';
import { startDemoClient } from '../../src/demo-client/demo-client';
import { Installation } from '../../src/installations/installation.entity';
import { Device } from '../../src/locations/device.entity';
import { ClientsService } from '../../src/oauth/clients.service';
import { Agent, csrfOf, decide, optionValue, transactionOf } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { DEMO_USER, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

// The demo service is an ordinary OAuth client of the platform: these tests drive it over HTTP
// while a logged-in browser agent answers the platform's consent pages.

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
    });
    demoServer = await startDemoClient({ platformUrl: t.config.baseUrl, publicUrl: demoUrl, clientId: 'demo-service-e2e', clientSecret: 'demo-service-e2e-secret' }, demoPort);
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
    const path = `${authorize.pathname}${authorize.search}`;
    let page = await user.get((await user.get(path).expect(302)).headers.location).expect(200);
    if (page.text.includes('name="location_id"')) {
      const chosen = await user
        .post('/oauth/authorize/location')
        .type('form')
        .send({ _csrf: csrfOf(page.text), transaction_id: transactionOf(page.text), location_id: optionValue(page.text, 'Home'), decision: 'next' })
        .expect(303);
      page = await user.get(chosen.headers.location).expect(200);
    }
    const decided = await decide(user, page.text, 'allow', { switches: optionValue(page.text, 'Kitchen Light') }).expect(303);
    const callback = new URL(decided.headers.location);
    expect(callback.origin).toBe(demoUrl);
    await demo.get(`${callback.pathname}${callback.search}`).expect(303);
    return { demo, authorize, callback };
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
});
