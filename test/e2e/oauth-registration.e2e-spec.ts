// RFC 7591 client registration (a developer token as initial access token) and RFC 7592 management.
import request from 'supertest';
import { sha256 } from '../../src/common/secrets';
import { AccessToken } from '../../src/oauth/access-token.entity';
import { OAuthClient } from '../../src/oauth/oauth-client.entity';
import { SmartApp } from '../../src/smartapps/smartapp.entity';
import { SmartAppsService } from '../../src/smartapps/smartapps.service';
import { AccountsService } from '../../src/accounts/accounts.service';
import { codeFrom, decide, openPreferences, optionValue } from '../helpers/browser';
import { loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEV = 'Bearer demo-developer-token';

describe('client registration (RFC 7591) and management (RFC 7592)', () => {
  let t: TestApp;
  let smartAppId: string;
  beforeAll(async () => {
    t = await startTestApp();
    smartAppId = (await t.db.getRepository(SmartApp).findOneByOrFail({ name: 'Device Bridge' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const register = (body: Record<string, unknown> | string, auth: string | null = DEV) => {
    const req = request(t.http).post('/oauth/register');
    if (auth) {
      req.set('Authorization', auth);
    }
    return typeof body === 'string' ? req.type('form').send(body) : req.send(body);
  };

  it('refuses a registration without an initial access token (401) and stores nothing', async () => {
    const before = await t.db.getRepository(OAuthClient).count();
    const res = await register({ client_name: 'X', redirect_uris: ['https://x.example/cb'] }, null).expect(401);
    expect(res.body.error).toBe('invalid_token');
    await register({ client_name: 'X', redirect_uris: ['https://x.example/cb'] }, 'Bearer not-a-developer-token').expect(401);
    expect(await t.db.getRepository(OAuthClient).count()).toBe(before);
  });

  it.each([
    ['plain http off loopback', 'http://x.example/cb'],
    ['a fragment', 'https://x.example/cb#f'],
    ['a wildcard', 'https://*.x.example/cb'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['a relative URI', '/cb'],
  ])('refuses a redirect URI with %s', async (_what, uri) => {
    const before = await t.db.getRepository(OAuthClient).count();
    const res = await register({ client_name: 'Bad', redirect_uris: [uri], smartapp_id: smartAppId }).expect(400);
    expect(res.body.error).toBe('invalid_redirect_uri');
    expect(await t.db.getRepository(OAuthClient).count()).toBe(before);
  });

  it('refuses to bind a client to another developer’s SmartApp', async () => {
    const other = await t.app.get(AccountsService).findByEmail('other@example.com');
    const source = `export default { definition: { name: 'Not Yours', namespace: 'other', author: 'Other', description: 'Belongs to another developer' }, preferences: [], mappings: {}, handlers: {} }`;
    const foreign = await t.app.get(SmartAppsService).create(other!.id, source);
    const before = await t.db.getRepository(OAuthClient).count();
    const res = await register({ client_name: 'X', redirect_uris: ['https://x.example/cb'], smartapp_id: foreign.smartAppId }).expect(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    expect(await t.db.getRepository(OAuthClient).count()).toBe(before);
  });

  it('registers from RFC 7591 JSON; the client works and manages itself with its registration token', async () => {
    const res = await register({
      client_name: 'Registered Service',
      redirect_uris: ['https://registered.example/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'app offline_access',
      smartapp_id: smartAppId,
    }).expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      client_name: 'Registered Service',
      redirect_uris: ['https://registered.example/cb'],
      token_endpoint_auth_method: 'client_secret_post',
      response_types: ['code'],
      default_scopes: ['app', 'offline_access'],
      client_secret_expires_at: 0,
    });
    const { client_id: clientId, client_secret: secret, registration_access_token: regToken, registration_client_uri: uri } = res.body as Record<string, string>;
    expect(uri).toBe(`${t.config.baseUrl}/oauth/register/${clientId}`);
    const stored = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId });
    expect(stored.clientSecretHash).toBe(sha256(secret));
    expect(stored.registrationTokenHash).toBe(sha256(regToken));

    // the new client runs the whole flow
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home', { clientId, redirectUri: 'https://registered.example/cb' });
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const tokens = await request(t.http)
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: 'https://registered.example/cb', client_id: clientId, client_secret: secret })
      .expect(200);

    const path = `/oauth/register/${clientId}`;
    await request(t.http).get(path).expect(401);
    await request(t.http).get(path).set('Authorization', 'Bearer wrong-registration-token').expect(401);
    const read = await request(t.http).get(path).set('Authorization', `Bearer ${regToken}`).expect(200);
    expect(read.body.client_secret).toBeUndefined();
    expect(read.body.client_name).toBe('Registered Service');

    const updated = await request(t.http)
      .put(path)
      .set('Authorization', `Bearer ${regToken}`)
      .send({ client_id: clientId, client_name: 'Renamed Service', redirect_uris: ['https://registered.example/cb2'], token_endpoint_auth_method: 'client_secret_post' })
      .expect(200);
    expect(updated.body).toMatchObject({ client_name: 'Renamed Service', redirect_uris: ['https://registered.example/cb2'] });
    const badUpdate = await request(t.http).put(path).set('Authorization', `Bearer ${regToken}`).send({ redirect_uris: ['http://evil.example/cb'], token_endpoint_auth_method: 'client_secret_post' }).expect(400);
    expect(badUpdate.body.error).toBe('invalid_redirect_uri');

    await request(t.http).delete(path).set('Authorization', `Bearer ${regToken}`).expect(204);
    expect(await t.db.getRepository(OAuthClient).countBy({ clientId })).toBe(0);
    const token = await t.db.getRepository(AccessToken).findOneByOrFail({ tokenHash: sha256(tokens.body.access_token) });
    expect(token.revokedAt).not.toBeNull();
    await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${tokens.body.access_token}`).expect(401);
  });

  it('registers from the SMART auth-proxy form with a chosen client id and secret', async () => {
    const secret = 'a-chosen-secret-that-is-long-enough-123';
    const res = await register(
      `client_id=smart-form-client&client_secret=${secret}&client_name=SMART+Form&redirect_uris=https%3A%2F%2Fsmart.example%2Fcb%2Chttps%3A%2F%2Fsmart.example%2Fcb2&scopes=app&smartapp_id=${smartAppId}`,
    ).expect(201);
    expect(res.body).toMatchObject({ client_id: 'smart-form-client', client_secret: secret, redirect_uris: ['https://smart.example/cb', 'https://smart.example/cb2'], default_scopes: ['app'] });
    const taken = await register(`client_id=smart-form-client&client_name=Again&redirect_uris=https%3A%2F%2Fsmart.example%2Fcb&smartapp_id=${smartAppId}`).expect(400);
    expect(taken.body.error).toBe('invalid_client_metadata');
  });

  it('registers a public client (token_endpoint_auth_method none) without a secret', async () => {
    const res = await register({ client_name: 'Native app', redirect_uris: ['http://127.0.0.1:7777/cb'], token_endpoint_auth_method: 'none', smartapp_id: smartAppId }).expect(201);
    expect(res.body.client_secret).toBeUndefined();
    const stored = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: res.body.client_id });
    expect(stored.clientSecretHash).toBeNull();
  });
});
