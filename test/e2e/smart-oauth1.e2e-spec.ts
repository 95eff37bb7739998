import request from 'supertest';
import { DataSource } from 'typeorm';
import { sha256 } from '../../src/common/secrets';
import { Installation } from '../../src/installations/installation.entity';
import { ConnectedAppsService } from '../../src/web/connected-apps.service';
import { OAuthClient } from '../../src/oauth/oauth-client.entity';
import { OAuth1Consumer } from '../../src/oauth1/oauth1-consumer.entity';
import { OAuth1Nonce } from '../../src/oauth1/oauth1-nonce.entity';
import { OAuth1Token } from '../../src/oauth1/oauth1-token.entity';
import { api, DEMO_DEVELOPER_TOKEN, smartAppSource } from '../factories/developer';
import { agentFor, csrfOf, logIn } from '../helpers/browser';
import {
  accessToken,
  authorizeAt,
  Consumer,
  Credentials,
  formOf,
  locationId,
  oauthFor,
  requestToken,
  sign,
  SMART_BASE,
  SMART_CALLBACK,
  SMART_INDEX,
  smartConsumer,
} from '../helpers/oauth1-client';
import { DEMO_USER, loggedIn, OTHER_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('SMART OAuth 1.0a (RFC 5849): manifest, launch, request token, authorize, access token, signed calls, debugger', () => {
  let t: TestApp;
  let consumer: Consumer;
  let home: string;

  const tokens = () => t.db.getRepository(OAuth1Token).find();
  const count = async (kind: OAuth1Token['kind']) => (await tokens()).filter((r) => r.kind === kind).length;

  /** The whole dance as the demo user on Home: request token, Authorize, access token. */
  async function connect(c: Consumer = consumer): Promise<{ access: Credentials; recordId: string; userId: string; installationId: string }> {
    const req = await requestToken(t.http, c, home);
    const agent = await loggedIn(t.http, DEMO_USER);
    const back = await authorizeAt(agent, req.key);
    const res = await accessToken(t.http, c, req, back.searchParams.get('oauth_verifier') ?? '').expect(200);
    const body = formOf(res.text);
    const row = await t.db.getRepository(OAuth1Token).findOneByOrFail({ tokenHash: sha256(body.oauth_token) });
    return { access: { key: body.oauth_token, secret: body.oauth_token_secret }, recordId: body.record_id, userId: body.user_id, installationId: row.installationId ?? '' };
  }

  function signedGet(c: Consumer, path: string, token: Credentials, options: { nonce?: string; timestamp?: number; secret?: string } = {}) {
    const signed = sign(oauthFor({ key: c.key, secret: options.secret ?? c.secret }), 'GET', path, { token, nonce: options.nonce, timestamp: options.timestamp });
    return { signed, test: request(t.http).get(path).set('Authorization', signed.authorization) };
  }

  beforeAll(async () => {
    t = await startTestApp({ BASE_URL: SMART_BASE });
    consumer = await smartConsumer(
      t.http,
      'SMART Chart',
      smartAppSource({ name: 'SMART Chart', mappings: `{ '/ping': { GET: 'ping' }, '/echo': { POST: 'echo' } }`, handlers: `ping(ctx) { return { pong: true } }, echo(ctx) { return { got: ctx.body } },` }),
    );
    home = await locationId(t, 'Home');
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  describe('enabling and the manifest', () => {
    it('gives consumer_key = client_id and consumer_secret = client_secret, and stores the secret only sealed', async () => {
      const published = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: (await import('../factories/developer')).smartAppSource({ name: 'Twin Keys' }) }).expect(201);
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN)
        .put(`/${published.body.id}/oauth`, { redirect_uris: ['http://127.0.0.1:4100/callback'], oauth1: { callback_url: SMART_CALLBACK, index_url: SMART_INDEX } })
        .expect(200);
      expect(res.body.consumer_key).toBe(res.body.client_id);
      expect(res.body.consumer_secret).toBe(res.body.client_secret);
      const row = await t.db.getRepository(OAuth1Consumer).findOneByOrFail({ clientId: res.body.client_id });
      expect(row.secretSealed).not.toContain(res.body.client_secret);
      expect(row.secretSealed.startsWith('v1.')).toBe(true);
      // the console shows the consumer key on the SmartApp's page
      const page = await (await loggedIn(t.http, DEMO_USER)).get(`/developer/smartapps/${published.body.id}`).expect(200);
      expect(page.text).toContain(`consumer key <code>${res.body.consumer_key}</code>`);
      expect(page.text).not.toContain(res.body.consumer_secret);
    });

    it('enabling OAuth 1.0a on an existing client issues a new secret that works for OAuth2 too', async () => {
      const published = await api(t.http, DEMO_DEVELOPER_TOKEN).post('', { source: (await import('../factories/developer')).smartAppSource({ name: 'Late SMART' }) }).expect(201);
      const first = await api(t.http, DEMO_DEVELOPER_TOKEN).put(`/${published.body.id}/oauth`, { redirect_uris: ['http://127.0.0.1:4100/callback'] }).expect(200);
      const later = await api(t.http, DEMO_DEVELOPER_TOKEN)
        .put(`/${published.body.id}/oauth`, { redirect_uris: ['http://127.0.0.1:4100/callback'], oauth1: { callback_url: SMART_CALLBACK, index_url: SMART_INDEX } })
        .expect(200);
      expect(later.body.consumer_key).toBe(first.body.client_id);
      expect(later.body.consumer_secret).toBe(later.body.client_secret);
      expect(later.body.client_secret).not.toBe(first.body.client_secret);
      const client = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: first.body.client_id });
      expect(client.clientSecretHash).toBe(sha256(later.body.client_secret));
      // saving again keeps the secret (it is shown once)
      const again = await api(t.http, DEMO_DEVELOPER_TOKEN)
        .put(`/${published.body.id}/oauth`, { redirect_uris: ['http://127.0.0.1:4100/callback'], oauth1: { callback_url: SMART_CALLBACK, index_url: SMART_INDEX } })
        .expect(200);
      expect(again.body).toEqual({ client_id: first.body.client_id, consumer_key: first.body.client_id });
      // rotating the client secret rotates the consumer secret: the new one signs, the old one no longer does
      const rotated = await api(t.http, DEMO_DEVELOPER_TOKEN).post(`/${published.body.id}/oauth/rotate-secret`).expect(200);
      expect(rotated.body).toEqual({ client_secret: expect.any(String), consumer_key: first.body.client_id, consumer_secret: rotated.body.client_secret });
      const late = { smartAppId: published.body.id, key: first.body.client_id };
      const debugWith = async (secret: string) =>
        (await request(t.http).post('/oauth/debug').set('Authorization', sign(oauthFor({ key: late.key, secret }), 'POST', '/oauth/debug').authorization).expect(200)).body.verified;
      expect(await debugWith(rotated.body.consumer_secret)).toBe(true);
      expect(await debugWith(later.body.consumer_secret)).toBe(false);
    });

    it.each([
      ['a relative callback_url', { callback_url: '/cb', index_url: SMART_INDEX }],
      ['a plain-http index_url off localhost', { callback_url: SMART_CALLBACK, index_url: 'http://app.example/index' }],
      ['a missing index_url', { callback_url: SMART_CALLBACK }],
    ])('refuses %s with 400 and the field named', async (_what, oauth1) => {
      const res = await api(t.http, DEMO_DEVELOPER_TOKEN).put(`/${consumer.smartAppId}/oauth`, { redirect_uris: ['http://127.0.0.1:4100/callback'], oauth1 }).expect(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.details[0].path).toMatch(/^oauth1/);
    });

    it('serves the manifest with absolute BASE_URL addresses', async () => {
      const res = await request(t.http).get('/api/manifest').expect(200);
      expect(res.body).toEqual({
        version: expect.any(String),
        name: expect.any(String),
        api_base: `${SMART_BASE}/api`,
        launch_urls: {
          request_token_url: `${SMART_BASE}/oauth/request_token`,
          authorize_token_url: `${SMART_BASE}/oauth/authorize`,
          exchange_token_url: `${SMART_BASE}/oauth/access_token`,
        },
      });
    });
  });

  describe('the launch page', () => {
    it('sends a visitor to log in first', async () => {
      const res = await request(t.http).get(`/apps/${consumer.key}/launch`).expect(302);
      expect(res.headers.location).toBe(`/login?return_to=${encodeURIComponent(`/apps/${consumer.key}/launch`)}`);
    });

    it('lists the person’s locations and opens index_url with record_id and api_base', async () => {
      const agent = await loggedIn(t.http, DEMO_USER);
      const page = await agent.get(`/apps/${consumer.key}/launch`).expect(200);
      expect(page.text).toContain('Home');
      expect(page.text).not.toContain('Flat');
      const res = await agent.post(`/apps/${consumer.key}/launch`).type('form').send({ _csrf: csrfOf(page.text), location_id: home }).expect(303);
      const url = new URL(res.headers.location);
      expect(`${url.origin}${url.pathname}`).toBe(SMART_INDEX);
      expect(url.searchParams.get('record_id')).toBe(home);
      expect(url.searchParams.get('api_base')).toBe(`${SMART_BASE}/api`);
    });

    it('refuses another person’s location and an unknown app', async () => {
      const agent = await loggedIn(t.http, DEMO_USER);
      const page = await agent.get(`/apps/${consumer.key}/launch`).expect(200);
      const flat = await locationId(t, 'Flat');
      const res = await agent.post(`/apps/${consumer.key}/launch`).type('form').send({ _csrf: csrfOf(page.text), location_id: flat }).expect(400);
      expect(res.headers.location).toBeUndefined();
      await agent.get('/apps/no-such-consumer/launch').expect(404);
    });
  });

  describe('the whole dance with npm oauth-1.0a', () => {
    it('request token → authorize → access token → signed calls answer exactly as a bearer token would', async () => {
      const req = await requestToken(t.http, consumer, home);
      const agent = await loggedIn(t.http, DEMO_USER);
      const back = await authorizeAt(agent, req.key);
      expect(`${back.origin}${back.pathname}`).toBe(SMART_CALLBACK);
      expect(back.searchParams.get('oauth_token')).toBe(req.key);
      const res = await accessToken(t.http, consumer, req, back.searchParams.get('oauth_verifier') ?? '').expect(200);
      expect(res.headers['content-type']).toContain('application/x-www-form-urlencoded');
      const body = formOf(res.text);
      expect(Object.keys(body).sort()).toEqual(['oauth_token', 'oauth_token_secret', 'record_id', 'user_id']);
      expect(body.record_id).toBe(home);
      const access = { key: body.oauth_token, secret: body.oauth_token_secret };
      const endpoints = await signedGet(consumer, '/api/smartapps/endpoints', access).test.expect(200);
      expect(endpoints.body).toHaveLength(1);
      expect(endpoints.body[0].location).toEqual({ id: home, name: 'Home' });
      const ping = await signedGet(consumer, `${endpoints.body[0].url}/ping`, access).test.expect(200);
      expect(ping.body).toEqual({ pong: true });
      const installation = await t.db.getRepository(Installation).findOneByOrFail({ id: endpoints.body[0].url.split('/').pop() });
      expect(installation.status).toBe('active');
      expect(body.user_id).toBe(installation.accountId);
      const connected = await t.app.get(ConnectedAppsService).listForAccount(installation.accountId);
      expect(connected.find((a) => a.id === installation.id)?.state).toBe('connected');
      // secrets are sealed at rest, tokens hashed
      const rows = await tokens();
      expect(JSON.stringify(rows)).not.toContain(access.secret);
      expect(JSON.stringify(rows)).not.toContain(access.key);
    });

    it('signs query parameters into the base string', async () => {
      const { access } = await connect();
      const path = '/api/smartapps/endpoints?shape=full&x=a%20b';
      const res = await signedGet(consumer, path, access).test.expect(200);
      expect(res.body).toHaveLength(1);
      // a query parameter changed after signing breaks the signature
      const signed = signedGet(consumer, path, access).signed;
      await request(t.http).get(path.replace('shape=full', 'shape=less')).set('Authorization', signed.authorization).expect(401);
    });
  });

  it('signs a form body into the base string (a changed body fails)', async () => {
    const { access, installationId } = await connect();
    const path = `/api/smartapps/installations/${installationId}/echo`;
    const form = { level: '42', note: 'two words & more' };
    const signed = sign(oauthFor(consumer), 'POST', path, { token: access, data: form });
    const res = await request(t.http).post(path).set('Authorization', signed.authorization).type('form').send(form).expect(201);
    expect(res.body).toEqual({ got: form });
    const again = sign(oauthFor(consumer), 'POST', path, { token: access, data: form });
    await request(t.http).post(path).set('Authorization', again.authorization).type('form').send({ ...form, level: '43' }).expect(401);
  });

  describe('POST /oauth/request_token refuses with 403 and issues nothing', () => {
    async function refused(authorization: string): Promise<Record<string, string>> {
      const before = await count('request');
      const res = await request(t.http).post('/oauth/request_token').set('Authorization', authorization).expect(403);
      expect(await count('request')).toBe(before);
      return formOf(res.text);
    }

    it('a bad signature', async () => {
      const signed = sign(oauthFor({ key: consumer.key, secret: 'not-the-secret' }), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: home } });
      expect((await refused(signed.authorization)).oauth_problem).toBe('signature_mismatch');
    });

    it('an unknown consumer', async () => {
      const signed = sign(oauthFor({ key: 'nobody', secret: 'x' }), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: home } });
      expect((await refused(signed.authorization)).oauth_problem).toBe('unknown_consumer');
    });

    it('a timestamp more than 5 minutes off', async () => {
      const timestamp = Math.floor(Date.now() / 1000) - 301;
      const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: home }, timestamp });
      expect((await refused(signed.authorization)).oauth_problem).toBe('timestamp');
    });

    it('a nonce used again within the window', async () => {
      const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: home } });
      await request(t.http).post('/oauth/request_token').set('Authorization', signed.authorization).expect(200);
      expect((await refused(signed.authorization)).oauth_problem).toBe('nonce_reused');
      expect(await t.db.getRepository(OAuth1Nonce).countBy({ consumerKey: consumer.key, nonce: signed.oauthData.oauth_nonce })).toBe(1);
    });

    it('concurrent uses of one nonce: exactly one succeeds', async () => {
      const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: home } });
      const before = await count('request');
      const replies = await Promise.all([1, 2, 3].map(() => request(t.http).post('/oauth/request_token').set('Authorization', signed.authorization)));
      expect(replies.map((r) => r.status).sort()).toEqual([200, 403, 403]);
      expect(await count('request')).toBe(before + 1);
    });

    it('an unknown record', async () => {
      const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { header: { oauth_callback: 'oob', smart_record_id: '00000000-0000-4000-8000-000000000000' } });
      expect((await refused(signed.authorization)).oauth_problem).toBe('unknown_record');
    });

    it('a callback other than oob or the registered one', async () => {
      const signed = sign(oauthFor(consumer), 'POST', '/oauth/request_token', { header: { oauth_callback: 'http://127.0.0.1:4200/elsewhere', smart_record_id: home } });
      expect((await refused(signed.authorization)).oauth_problem).toBe('callback_rejected');
    });

    it('no Authorization header at all', async () => {
      await request(t.http).post('/oauth/request_token').expect(403);
    });
  });

  describe('GET /oauth/authorize?oauth_token=…', () => {
    it('sends a visitor to log in, then shows the preference page', async () => {
      const req = await requestToken(t.http, consumer, home);
      const start = await request(t.http).get(`/oauth/authorize?oauth_token=${req.key}`).expect(302);
      expect(start.headers.location).toContain('/login?return_to=');
    });

    it('shows an error page and does not redirect when the record is not the person’s own', async () => {
      const req = await requestToken(t.http, consumer, home);
      const agent = await loggedIn(t.http, OTHER_USER);
      const res = await agent.get(`/oauth/authorize?oauth_token=${req.key}`).expect(403);
      expect(res.headers.location).toBeUndefined();
      expect(res.text).toContain('not yours');
      const row = await t.db.getRepository(OAuth1Token).findOneByOrFail({ tokenHash: sha256(req.key) });
      expect(row.accountId).toBeNull();
      expect(row.decidedAt).toBeNull();
    });

    it('Deny redirects to callback?denied=… and the exchange is then refused', async () => {
      const req = await requestToken(t.http, consumer, home);
      const agent = await loggedIn(t.http, DEMO_USER);
      const back = await authorizeAt(agent, req.key, 'deny');
      expect(back.searchParams.get('denied')).toBe(req.key);
      expect(back.searchParams.get('oauth_verifier')).toBeNull();
      const before = await count('access');
      await accessToken(t.http, consumer, req, 'anything').expect(403);
      expect(await count('access')).toBe(before);
    });

    it('refuses the form without its CSRF token', async () => {
      const req = await requestToken(t.http, consumer, home);
      const agent = await loggedIn(t.http, DEMO_USER);
      await agent.get(`/oauth/authorize?oauth_token=${req.key}`).expect(200);
      await agent.post('/oauth1/authorize/decision').type('form').send({ transaction_id: req.key, decision: 'allow' }).expect(403);
      const row = await t.db.getRepository(OAuth1Token).findOneByOrFail({ tokenHash: sha256(req.key) });
      expect(row.decidedAt).toBeNull();
    });

    it('keeps OAuth2 authorization requests working on the same path', async () => {
      const agent = agentFor(t.http);
      await logIn(agent, DEMO_USER.email, DEMO_USER.password);
      const res = await agent.get('/oauth/authorize?response_type=code&client_id=device-bridge&redirect_uri=http%3A%2F%2Flocalhost%3A3001%2Fcallback&state=s').expect(302);
      expect(res.headers.location).toContain('/oauth/authorize/');
    });
  });

  describe('POST /oauth/access_token refuses with 403', () => {
    async function authorized(): Promise<{ req: Credentials; verifier: string }> {
      const req = await requestToken(t.http, consumer, home);
      const back = await authorizeAt(await loggedIn(t.http, DEMO_USER), req.key);
      return { req, verifier: back.searchParams.get('oauth_verifier') ?? '' };
    }

    it('a wrong verifier (and the request token is spent)', async () => {
      const { req, verifier } = await authorized();
      const before = await count('access');
      const res = await accessToken(t.http, consumer, req, 'wrong-verifier').expect(403);
      expect(formOf(res.text).oauth_problem).toBe('verifier_invalid');
      expect(await count('access')).toBe(before);
      const row = await t.db.getRepository(OAuth1Token).findOneByOrFail({ tokenHash: sha256(req.key) });
      expect(row.usedAt).not.toBeNull();
      await accessToken(t.http, consumer, req, verifier).expect(403);
      expect(await count('access')).toBe(before);
    });

    it('a request token used again', async () => {
      const { req, verifier } = await authorized();
      await accessToken(t.http, consumer, req, verifier).expect(200);
      const before = await count('access');
      const res = await accessToken(t.http, consumer, req, verifier).expect(403);
      expect(formOf(res.text).oauth_problem).toBe('unknown_token');
      expect(await count('access')).toBe(before);
    });

    it('a bad signature (wrong token secret) leaves the request token usable', async () => {
      const { req, verifier } = await authorized();
      const before = await count('access');
      await accessToken(t.http, consumer, { key: req.key, secret: 'wrong-secret' }, verifier).expect(403);
      expect(await count('access')).toBe(before);
      const row = await t.db.getRepository(OAuth1Token).findOneByOrFail({ tokenHash: sha256(req.key) });
      expect(row.usedAt).toBeNull();
      await accessToken(t.http, consumer, req, verifier).expect(200);
    });
  });

  describe('signed REST calls refuse with 401 / 403', () => {
    let access: Credentials;
    let installationId: string;

    beforeAll(async () => {
      ({ access, installationId } = await connect());
    });

    it('unsigned', async () => {
      const res = await request(t.http).get(`/api/smartapps/installations/${installationId}/ping`).expect(401);
      expect(res.body.error).toBe('invalid_token');
    });

    it('badly signed', async () => {
      const res = await signedGet(consumer, `/api/smartapps/installations/${installationId}/ping`, { key: access.key, secret: 'wrong' }).test.expect(401);
      expect(res.body.error_description).toContain('signature_mismatch');
    });

    it('stale', async () => {
      const res = await signedGet(consumer, '/api/smartapps/endpoints', access, { timestamp: Math.floor(Date.now() / 1000) - 600 }).test.expect(401);
      expect(res.body.error_description).toContain('timestamp');
    });

    it('replayed (same nonce and timestamp)', async () => {
      const first = signedGet(consumer, '/api/smartapps/endpoints', access);
      await first.test.expect(200);
      const res = await request(t.http).get('/api/smartapps/endpoints').set('Authorization', first.signed.authorization).expect(401);
      expect(res.body.error_description).toContain('nonce_reused');
    });

    it('signed for another URL than the one called', async () => {
      const signed = sign(oauthFor(consumer), 'GET', '/api/smartapps/endpoints', { token: access });
      await request(t.http).get(`/api/smartapps/installations/${installationId}/ping`).set('Authorization', signed.authorization).expect(401);
    });

    it('another installation’s URL → 403', async () => {
      const other = await connect();
      expect(other.installationId).not.toBe(installationId);
      await signedGet(consumer, `/api/smartapps/installations/${other.installationId}/ping`, access).test.expect(403);
    });

    it('access tokens end with their installation (uninstall)', async () => {
      const mine = await connect();
      const path = `/api/smartapps/installations/${mine.installationId}`;
      const signed = sign(oauthFor(consumer), 'DELETE', path, { token: mine.access });
      await request(t.http).delete(path).set('Authorization', signed.authorization).expect(204);
      expect(await t.db.getRepository(OAuth1Token).countBy({ installationId: mine.installationId })).toBe(0);
      await signedGet(consumer, '/api/smartapps/endpoints', mine.access).test.expect(401);
    });
  });

  describe('/oauth/debug', () => {
    let access: Credentials;

    beforeAll(async () => {
      ({ access } = await connect());
    });

    function debug(signed: { authorization: string }) {
      return request(t.http).post('/oauth/debug').set('Authorization', signed.authorization).expect(200);
    }

    it('says verified for a good signature, with the base string, and does not spend the nonce', async () => {
      const signed = sign(oauthFor(consumer), 'POST', '/oauth/debug', { token: access });
      const res = await debug(signed);
      expect(res.body).toEqual({ verified: true, reason: null, base_string: expect.stringMatching(/^POST&http%3A%2F%2Fplatform\.example%3A8080%2Foauth%2Fdebug&/) });
      await debug(signed);
      expect(await t.db.getRepository(OAuth1Nonce).countBy({ nonce: signed.oauthData.oauth_nonce })).toBe(0);
    });

    it('explains a mismatch without the expected signature or any secret', async () => {
      const nonce = 'debug-nonce-1';
      const timestamp = Math.floor(Date.now() / 1000);
      const wrong = sign(oauthFor({ key: consumer.key, secret: 'wrong-consumer-secret' }), 'POST', '/oauth/debug', { token: access, nonce, timestamp });
      const right = sign(oauthFor(consumer), 'POST', '/oauth/debug', { token: access, nonce, timestamp });
      const res = await debug(wrong);
      expect(res.body.verified).toBe(false);
      expect(res.body.reason).toBe('signature_mismatch');
      expect(res.body.base_string).toContain('oauth_nonce%3Ddebug-nonce-1');
      for (const secret of [consumer.secret, access.secret, right.signature, encodeURIComponent(right.signature)]) {
        expect(res.text).not.toContain(secret);
      }
    });

    it.each([
      ['timestamp', { timestamp: Math.floor(Date.now() / 1000) - 1000 }],
      ['unknown_consumer', { key: 'nobody-at-all' }],
      ['unknown_token', { token: { key: 'x'.repeat(32), secret: 'y' } }],
    ])('reports %s', async (reason, o: { timestamp?: number; key?: string; token?: Credentials }) => {
      const signed = sign(oauthFor({ key: o.key ?? consumer.key, secret: consumer.secret }), 'POST', '/oauth/debug', { token: o.token ?? access, timestamp: o.timestamp });
      const res = await debug(signed);
      expect(res.body).toEqual({ verified: false, reason, base_string: expect.any(String) });
      expect(res.text).not.toContain(consumer.secret);
    });

    it('reports nonce_reused for a nonce a real call spent', async () => {
      const call = signedGet(consumer, '/api/smartapps/endpoints', access);
      await call.test.expect(200);
      const { oauth_nonce: nonce, oauth_timestamp: timestamp } = call.signed.oauthData;
      const res = await debug(sign(oauthFor(consumer), 'POST', '/oauth/debug', { token: access, nonce, timestamp: Number(timestamp) }));
      expect(res.body.reason).toBe('nonce_reused');
    });

    it('is rate-limited per consumer (429 after 30 a minute)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) {
        const signed = sign(oauthFor({ key: 'limited-consumer', secret: 'x' }), 'POST', '/oauth/debug');
        statuses.push((await request(t.http).post('/oauth/debug').set('Authorization', signed.authorization)).status);
      }
      expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
      expect(statuses[30]).toBe(429);
    });

    it('answers an unsigned request with 400 and keeps the OAuth2 debug endpoints', async () => {
      await request(t.http).post('/oauth/debug').expect(400);
      await request(t.http).get('/oauth/debug/introspect?access_token=abc').expect((r) => expect([401, 302]).toContain(r.status));
    });
  });

  it('refuses everything when a secret cannot be opened (retired key): unknown_consumer', async () => {
    const { access } = await connect();
    const rows = await t.db.getRepository(OAuth1Consumer).find();
    const c = rows.find((r) => r.clientId === consumer.key)!;
    await t.write((m) => m.getRepository(OAuth1Consumer).update({ clientId: consumer.key }, { secretSealed: 'v1.deadbeef.a.b.c' }));
    const res = await signedGet(consumer, '/api/smartapps/endpoints', access).test.expect(401);
    expect(res.body.error_description).toContain('unknown_consumer');
    await t.write((m) => m.getRepository(OAuth1Consumer).update({ clientId: consumer.key }, { secretSealed: c.secretSealed }));
    await signedGet(consumer, '/api/smartapps/endpoints', access).test.expect(200);
  });

  it('keeps the installations DataSource consistent: every access token names a live installation', async () => {
    const access = (await tokens()).filter((r) => r.kind === 'access');
    const installations = await t.app.get(DataSource).getRepository(Installation).find();
    for (const row of access) {
      expect(installations.find((i) => i.id === row.installationId)?.status).toBe('active');
    }
  });
});
