// A client written the way SmartThings-classic clients were: credentials as form parameters,
// the token in the query string, a non-expiring token, `uri` + mapped path.
import simpleOAuth2 from 'simple-oauth2-classic';
import request from 'supertest';
import { OAuthClient } from '../../src/oauth/oauth-client.entity';
import { codeFrom, decide, DEMO_CLIENT, openPreferences, openPreferencesAt, optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { extraClient, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('SmartThings-classic compatibility, per client', () => {
  let t: TestApp;
  let classic: { clientId: string; clientSecret: string | null; redirectUri: string };

  let site: string;

  beforeAll(async () => {
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    t = await startTestApp({ PORT: String(port), BASE_URL: site });
    await t.app.listen(port, '127.0.0.1');
    classic = await extraClient(t, { clientId: 'classic-client', classicCompat: true });
  });
  afterAll(async () => {
    await t.close();
  });

  async function classicToken(): Promise<Record<string, unknown>> {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home', { clientId: classic.clientId, redirectUri: classic.redirectUri });
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    // classic clients sent everything, credentials included, as query parameters of a POST
    const res = await request(t.http)
      .post('/oauth/token')
      .query({ grant_type: 'authorization_code', client_id: classic.clientId, client_secret: classic.clientSecret!, redirect_uri: classic.redirectUri })
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: classic.redirectUri })
      .expect(200);
    return res.body as Record<string, unknown>;
  }

  it('issues a non-expiring token without a refresh token, scope app', async () => {
    const body = await classicToken();
    expect(body.expires_in).toBe(1576799999);
    expect(body.refresh_token).toBeUndefined();
    expect(body.scope).toBe('app');
  });

  it('accepts ?access_token= on the endpoints service (also the legacy /endpoints/{clientId}) and the installation URL', async () => {
    const body = await classicToken();
    const accessToken = String(body.access_token);
    const endpoints = await request(t.http).get(`/api/smartapps/endpoints/${classic.clientId}`).query({ access_token: accessToken }).expect(200);
    const [endpoint] = endpoints.body as { uri: string }[];
    const uri = new URL(endpoint.uri);
    const list = await request(t.http).get(`${uri.pathname}/switches`).query({ access_token: accessToken }).expect(200);
    expect((list.body as { name: string }[]).map((d) => d.name)).toEqual(['Kitchen Light']);
    await request(t.http).put(`${uri.pathname}/switches/on`).query({ access_token: accessToken }).expect(204);
  });

  it('gives a modern client none of these relaxations', async () => {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home');
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const viaQuery = await request(t.http)
      .post('/oauth/token')
      .query({ client_id: 'device-bridge', client_secret: 'device-bridge-secret' })
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: 'http://localhost:3001/callback' })
      .expect(400);
    expect(viaQuery.body.error).toBe('invalid_request');
  });

  async function classicCode(): Promise<string> {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home', { clientId: classic.clientId, redirectUri: classic.redirectUri });
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    return codeFrom(decided.headers.location);
  }

  async function ordinaryCode(): Promise<string> {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home');
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    return codeFrom(decided.headers.location);
  }

  it('runs stoauth.js unchanged: simple-oauth2 0.5 (Basic and form credentials), ?access_token=, SITE + "/" + url', async () => {
    const oauth2 = simpleOAuth2({ clientID: classic.clientId, clientSecret: classic.clientSecret!, site });
    const agent = await loggedIn(t.http);
    const page = await openPreferencesAt(agent, oauth2.authCode.authorizeURL({ redirect_uri: classic.redirectUri, scope: 'app', state: '3(#0/!~' }), 'Home');
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    expect(new URL(decided.headers.location).searchParams.get('state')).toBe('3(#0/!~');
    const result = await oauth2.authCode.getToken({ code: codeFrom(decided.headers.location), redirect_uri: classic.redirectUri });
    const token = oauth2.accessToken.create(result).token;
    expect(token).toMatchObject({ token_type: 'bearer', scope: 'app', expires_in: 1576799999 });
    const accessToken = String(token.access_token);
    const endpoints = await fetch(`${site}/api/smartapps/endpoints?access_token=${accessToken}`);
    expect(endpoints.status).toBe(200);
    const [endpoint] = (await endpoints.json()) as { url: string }[];
    expect(endpoint.url.startsWith('/')).toBe(true);
    // stoauth.js: SITE + '/' + url → http://host//api/smartapps/installations/…
    const switches = await fetch(`${site}/${endpoint.url}/switches?access_token=${accessToken}`);
    expect(switches.status).toBe(200);
    expect(((await switches.json()) as { name: string }[]).map((d) => d.name)).toEqual(['Kitchen Light']);
    const on = await fetch(`${site}/${endpoint.url}/switches/on?access_token=${accessToken}`, { method: 'PUT' });
    expect(on.status).toBe(204);
  });

  it('takes every parameter in the query string of a POST with no body, and GET /oauth/token, from a classic client', async () => {
    const params = (code: string) => ({ grant_type: 'authorization_code', code, client_id: classic.clientId, client_secret: classic.clientSecret!, redirect_uri: classic.redirectUri });
    const posted = await request(t.http).post('/oauth/token').query(params(await classicCode())).expect(200);
    expect(posted.body).toMatchObject({ token_type: 'bearer', scope: 'app', expires_in: 1576799999 });
    const got = await request(t.http).get('/oauth/token').query(params(await classicCode())).expect(200);
    expect(got.body).toMatchObject({ token_type: 'bearer', scope: 'app' });
    expect(got.headers['cache-control']).toBe('no-store');
  });

  it('refuses the query-only POST and the GET from an ordinary client (400 invalid_request), and spends no code', async () => {
    const code = await ordinaryCode();
    const params = { grant_type: 'authorization_code', code, client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, redirect_uri: DEMO_CLIENT.redirectUri };
    expect((await request(t.http).post('/oauth/token').query(params).expect(400)).body.error).toBe('invalid_request');
    expect((await request(t.http).get('/oauth/token').query(params).expect(400)).body.error).toBe('invalid_request');
    expect((await request(t.http).get('/oauth/token').expect(400)).body.error).toBe('invalid_request');
    await request(t.http).post('/oauth/token').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri }).expect(200);
  });

  it('accepts Basic and body credentials together from a classic client only when they are identical', async () => {
    const exchange = (code: string, bodySecret: string) =>
      request(t.http)
        .post('/oauth/token')
        .auth(classic.clientId, classic.clientSecret!)
        .type('form')
        .send({ grant_type: 'authorization_code', code, redirect_uri: classic.redirectUri, client_id: classic.clientId, client_secret: bodySecret });
    await exchange(await classicCode(), classic.clientSecret!).expect(200);
    const differing = await exchange(await classicCode(), `${classic.clientSecret!}x`).expect(401);
    expect(differing.body.error).toBe('invalid_client');
  });

  it('keeps the strict rule for an ordinary client: Basic and body credentials together are 400 invalid_request', async () => {
    const res = await request(t.http)
      .post('/oauth/token')
      .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code: await ordinaryCode(), redirect_uri: DEMO_CLIENT.redirectUri, client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
      .expect(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('collapses repeated slashes in any path before routing', async () => {
    await request(t.http).get('//.well-known//oauth-authorization-server').expect(200);
  });

  it('lets a developer register a classic client through POST /oauth/register (classic_compat), and refuses a bad value', async () => {
    const register = (body: Record<string, unknown>) => request(t.http).post('/oauth/register').set('Authorization', 'Bearer demo-developer-token').send(body);
    const registered = await register({ client_name: 'Classic', redirect_uris: ['http://127.0.0.1:4000/registered/callback'], classic_compat: true }).expect(201);
    expect(registered.body).toMatchObject({ classic_compat: true, grant_types: ['authorization_code'] });
    const stored = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: registered.body.client_id as string });
    expect(stored.classicCompat).toBe(true);
    const ordinary = await register({ client_name: 'Modern', redirect_uris: ['http://127.0.0.1:4000/modern/callback'] }).expect(201);
    expect(ordinary.body).toMatchObject({ classic_compat: false, grant_types: ['authorization_code', 'refresh_token'] });
    const before = await t.db.getRepository(OAuthClient).count();
    expect((await register({ redirect_uris: ['http://127.0.0.1:4000/x/callback'], classic_compat: 'yes' }).expect(400)).body.error).toBe('invalid_client_metadata');
    expect((await register({ redirect_uris: ['http://127.0.0.1:4000/x/callback'], classic_compat: true, grant_types: ['authorization_code', 'refresh_token'] }).expect(400)).body.error).toBe(
      'invalid_client_metadata',
    );
    expect(await t.db.getRepository(OAuthClient).count()).toBe(before);
  });
});
