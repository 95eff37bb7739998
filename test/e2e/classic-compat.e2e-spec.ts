// A client written the way SmartThings-classic clients were: credentials as form parameters,
// the token in the query string, a non-expiring token, `uri` + mapped path.
import request from 'supertest';
import { codeFrom, decide, openPreferences, optionValue } from '../helpers/browser';
import { extraClient, loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('SmartThings-classic compatibility, per client', () => {
  let t: TestApp;
  let classic: { clientId: string; clientSecret: string | null; redirectUri: string };

  beforeAll(async () => {
    t = await startTestApp();
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
});
