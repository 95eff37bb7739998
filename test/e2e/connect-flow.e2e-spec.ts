import request from 'supertest';
import { Device } from '../../src/locations/device.entity';
import { DeviceEvent } from '../../src/locations/device-event.entity';
import { Installation } from '../../src/installations/installation.entity';
import { DeviceGrant } from '../../src/installations/device-grant.entity';
import { AuthorizationCode } from '../../src/oauth/authorization-code.entity';
import { AccessToken } from '../../src/oauth/access-token.entity';
import { sha256 } from '../../src/common/secrets';
import { agentFor, codeFrom, connect, decide, DEMO_CLIENT, exchangeCode, logIn, openPreferences, optionValue } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const OTHER = { email: 'other@example.com', password: 'other-password' };

describe('the connect flow: authorize → install with chosen devices → endpoints → installation URL', () => {
  let t: TestApp;
  const deviceId = async (label: string) => (await t.db.getRepository(Device).findOneByOrFail({ label })).id;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('installs with exactly the chosen switch and controls only it', async () => {
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    expect(token.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ token_type: 'bearer', expires_in: 86400, scope: expect.stringContaining('app') });

    const endpoints = await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${token.access_token}`).expect(200);
    expect(endpoints.body).toHaveLength(1);
    const [endpoint] = endpoints.body as { uri: string; url: string; base_url: string; location: { name: string }; oauthClient: { clientId: string } }[];
    expect(endpoint.location.name).toBe('Home');
    expect(endpoint.oauthClient.clientId).toBe('device-bridge');
    expect(endpoint.base_url).toBe(t.config.baseUrl);
    expect(endpoint.uri).toBe(`${t.config.baseUrl}${endpoint.url}`);
    expect(endpoint.url).toBe(`/api/smartapps/installations/${token.installation_id}`);

    const list = await request(t.http).get(`${endpoint.url}/switches`).set('Authorization', `Bearer ${token.access_token}`).expect(200);
    expect(list.body).toEqual([{ id: await deviceId('Kitchen Light'), name: 'Kitchen Light', value: 'off' }]);

    await request(t.http).put(`${endpoint.url}/switches/on`).set('Authorization', `Bearer ${token.access_token}`).expect(204);
    const kitchen = await t.db.getRepository(Device).findOneByOrFail({ label: 'Kitchen Light' });
    expect(kitchen.state.switch).toBe('on');
    const events = await t.db.getRepository(DeviceEvent).findBy({ deviceId: kitchen.id, attribute: 'switch' });
    expect(events.map((e) => [e.value, e.source])).toEqual([['on', `installation:${token.installation_id}`]]);
    const porch = await t.db.getRepository(Device).findOneByOrFail({ label: 'Porch Light' });
    expect(porch.state.switch).toBe('off');
    expect(await t.db.getRepository(DeviceEvent).countBy({ deviceId: porch.id })).toBe(0);
  });

  it('answers a handler httpError with the SmartThings error shape', async () => {
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Porch Light') }));
    const res = await request(t.http)
      .put(`/api/smartapps/installations/${token.installation_id}/switches/explode`)
      .set('Authorization', `Bearer ${token.access_token}`)
      .expect(400);
    expect(res.body).toEqual({ error: true, type: 'SmartAppException', message: 'explode is not a valid command for all switches specified' });
  });

  it('redirects a denial with error=access_denied and the state', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home', { state: 'keep-me' });
    const res = await decide(agent, page, 'deny').expect(303);
    const url = new URL(res.headers.location);
    expect(`${url.origin}${url.pathname}`).toBe(DEMO_CLIENT.redirectUri);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('keep-me');
    expect(url.searchParams.get('code')).toBeNull();
  });

  it('offers only the user’s own devices in the chosen location with the input’s capability', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home');
    for (const offered of ['Kitchen Light', 'Porch Light', 'Front Door']) {
      expect(page).toContain(offered);
    }
    // Cabin's devices, the other account's, and devices without switch/lock are not offered
    for (const hidden of ['Cabin Light', 'Cabin Door', 'Flat Light', 'Hallway Motion', 'Living Room Thermostat']) {
      expect(page).not.toContain(hidden);
    }
  });

  it.each([
    ['a device of another location', 'Cabin Light'],
    ['a device of another account', 'Flat Light'],
    ['a device without the capability', 'Hallway Motion'],
  ])('refuses a forged post naming %s and installs nothing', async (_what, label) => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home');
    const installationsBefore = await t.db.getRepository(Installation).count();
    const grantsBefore = await t.db.getRepository(DeviceGrant).count();
    const codesBefore = await t.db.getRepository(AuthorizationCode).count();
    const res = await decide(agent, page, 'allow', { switches: [await deviceId('Kitchen Light'), await deviceId(label)] }).expect(400);
    expect(res.text).toContain('A device that was not offered was chosen');
    expect(await t.db.getRepository(Installation).count()).toBe(installationsBefore);
    expect(await t.db.getRepository(DeviceGrant).count()).toBe(grantsBefore);
    expect(await t.db.getRepository(AuthorizationCode).count()).toBe(codesBefore);
  });

  it('refuses a token on another installation’s URL with 403', async () => {
    const a = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const b = await connect(t.http, DEMO, 'Cabin', (page) => ({ switches: optionValue(page, 'Cabin Light') }));
    for (const [token, other] of [
      [a.token, b.token],
      [b.token, a.token],
    ]) {
      const res = await request(t.http)
        .get(`/api/smartapps/installations/${other.installation_id}/switches`)
        .set('Authorization', `Bearer ${token.access_token}`)
        .expect(403);
      expect(res.body).toEqual({ error: true, type: 'AccessDenied', message: 'This request is not authorized by the specified access token' });
    }
  });

  it('answers 401 without a token or with a wrong one, 404 for an unknown path and 405 for a wrong method', async () => {
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const base = `/api/smartapps/installations/${token.installation_id}`;
    const none = await request(t.http).get(`${base}/switches`).expect(401);
    expect(none.body.error).toBe('invalid_token');
    expect(none.headers['www-authenticate']).toContain('Bearer error="invalid_token"');
    await request(t.http).get(`${base}/switches`).set('Authorization', 'Bearer not-a-real-token-0123456789').expect(401);
    await request(t.http).get('/api/smartapps/endpoints').set('Authorization', 'Bearer not-a-real-token-0123456789').expect(401);
    const missing = await request(t.http).get(`${base}/nothing/here`).set('Authorization', `Bearer ${token.access_token}`).expect(404);
    expect(missing.body).toEqual({ error: true, type: 'SmartAppException', message: 'Not Found' });
    const wrong = await request(t.http).delete(`${base}/switches`).set('Authorization', `Bearer ${token.access_token}`).expect(405);
    expect(wrong.body).toEqual({ error: true, type: 'SmartAppException', message: 'Method Not Allowed' });
    expect(wrong.headers.allow).toBe('GET');
  });

  it('refuses a reused code with invalid_grant and revokes the tokens of its first use', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home');
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const code = codeFrom(decided.headers.location);
    const first = await exchangeCode(t.http, code).expect(200);
    const second = await exchangeCode(t.http, code).expect(400);
    expect(second.body.error).toBe('invalid_grant');
    const stored = await t.db.getRepository(AccessToken).findOneByOrFail({ tokenHash: sha256(first.body.access_token) });
    expect(stored.revokedAt).not.toBeNull();
    await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${first.body.access_token}`).expect(401);
  });

  it('refuses a code with the wrong redirect_uri (invalid_grant) and a wrong client secret (401 invalid_client)', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    let page = await openPreferences(agent, 'Home');
    let decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const wrongRedirect = await exchangeCode(t.http, codeFrom(decided.headers.location), { redirect_uri: 'http://127.0.0.1:3001/callback' }).expect(400);
    expect(wrongRedirect.body.error).toBe('invalid_grant');

    page = await openPreferences(agent, 'Home');
    decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const wrongSecret = await request(t.http)
      .post('/oauth/token')
      .auth(DEMO_CLIENT.clientId, 'not-the-secret')
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: DEMO_CLIENT.redirectUri })
      .expect(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
    expect(wrongSecret.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('keeps two users apart: each token reaches only its own user’s devices', async () => {
    const demo = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Porch Light') }));
    const other = await connect(t.http, OTHER, 'Flat', (page) => ({ switches: optionValue(page, 'Flat Light') }));
    const list = async (tok: { access_token: string; installation_id: string }) =>
      (
        await request(t.http).get(`/api/smartapps/installations/${tok.installation_id}/switches`).set('Authorization', `Bearer ${tok.access_token}`).expect(200)
      ).body as { name: string }[];
    expect((await list(demo.token)).map((d) => d.name)).toEqual(['Porch Light']);
    expect((await list(other.token)).map((d) => d.name)).toEqual(['Flat Light']);
    await request(t.http).get(`/api/smartapps/installations/${other.token.installation_id}/switches`).set('Authorization', `Bearer ${demo.token.access_token}`).expect(403);
  });

  it('skips the location page when the user has one location', async () => {
    const agent = agentFor(t.http);
    await logIn(agent, OTHER.email, OTHER.password);
    const start = await agent.get(`/oauth/authorize?response_type=code&client_id=device-bridge&redirect_uri=${encodeURIComponent(DEMO_CLIENT.redirectUri)}&state=s`).expect(302);
    expect(start.headers.location).toMatch(/^\/oauth\/authorize\/preferences\?transaction_id=/);
  });

  it('sends a visitor who is not logged in to log in, and back to the request afterwards', async () => {
    const agent = agentFor(t.http);
    const start = await agent.get(`/oauth/authorize?response_type=code&client_id=device-bridge&redirect_uri=${encodeURIComponent(DEMO_CLIENT.redirectUri)}&state=s`).expect(302);
    expect(start.headers.location).toMatch(/^\/login\?return_to=%2Foauth%2Fauthorize%3F/);
  });
});
