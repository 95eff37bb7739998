// SECURITY.md, "Codes and tokens": the token, revocation and introspection endpoints attacked
// one rule at a time, checking the reply and what the database holds afterwards.
import request from 'supertest';
import { sha256 } from '../../src/common/secrets';
import { AccessToken } from '../../src/oauth/access-token.entity';
import { AuthorizationCode } from '../../src/oauth/authorization-code.entity';
import { OAuthClient } from '../../src/oauth/oauth-client.entity';
import { RefreshToken } from '../../src/oauth/refresh-token.entity';
import { DEMO_CLIENT, exchangeCode, pkcePair } from '../helpers/browser';
import { extraClient, loggedIn, obtainCode } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

type TokenReply = { access_token: string; refresh_token: string; installation_id: string; scope: string };

describe('token endpoint, revocation and introspection rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const token = () => request(t.http).post('/oauth/token');
  const demoTokens = async (): Promise<TokenReply> => (await exchangeCode(t.http, await obtainCode(await loggedIn(t.http))).expect(200)).body as TokenReply;
  const accessRow = (tok: string) => t.db.getRepository(AccessToken).findOneByOrFail({ tokenHash: sha256(tok) });
  const refreshRow = (tok: string) => t.db.getRepository(RefreshToken).findOneByOrFail({ tokenHash: sha256(tok) });

  it('stores tokens, codes and client secrets only as SHA-256 hashes', async () => {
    const agent = await loggedIn(t.http);
    const code = await obtainCode(agent);
    expect(await t.db.getRepository(AuthorizationCode).countBy({ codeHash: code })).toBe(0);
    expect(await t.db.getRepository(AuthorizationCode).countBy({ codeHash: sha256(code) })).toBe(1);
    const reply = (await exchangeCode(t.http, code).expect(200)).body as TokenReply;
    expect(await t.db.getRepository(AccessToken).countBy({ tokenHash: reply.access_token })).toBe(0);
    expect((await accessRow(reply.access_token)).tokenHash).toBe(sha256(reply.access_token));
    expect((await refreshRow(reply.refresh_token)).tokenHash).toBe(sha256(reply.refresh_token));
    const client = await t.db.getRepository(OAuthClient).findOneByOrFail({ clientId: 'device-bridge' });
    expect(client.clientSecretHash).toBe(sha256('device-bridge-secret'));
  });

  it('answers with Cache-Control: no-store and the contract’s fields', async () => {
    const res = await exchangeCode(t.http, await obtainCode(await loggedIn(t.http))).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body as object).sort()).toEqual(['access_token', 'expires_in', 'installation_id', 'refresh_token', 'scope', 'token_type']);
    expect(res.body.token_type).toBe('bearer');
  });

  it('refuses a code issued to another client', async () => {
    const other = await extraClient(t, { clientId: 'other-confidential', redirectUri: DEMO_CLIENT.redirectUri });
    const code = await obtainCode(await loggedIn(t.http));
    const res = await token()
      .auth(other.clientId, other.clientSecret!)
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri })
      .expect(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(await t.db.getRepository(AccessToken).countBy({ clientId: other.clientId })).toBe(0);
  });

  it('refuses an expired code', async () => {
    const code = await obtainCode(await loggedIn(t.http));
    await t.write((m) => m.getRepository(AuthorizationCode).update({ codeHash: sha256(code) }, { expiresAt: new Date(Date.now() - 1) }));
    expect((await exchangeCode(t.http, code).expect(400)).body.error).toBe('invalid_grant');
  });

  it('gives exactly one success to two concurrent redemptions of one code', async () => {
    const code = await obtainCode(await loggedIn(t.http));
    const replies = await Promise.all([exchangeCode(t.http, code), exchangeCode(t.http, code), exchangeCode(t.http, code)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    const issued = replies.find((r) => r.status === 200)!.body as TokenReply;
    // the replays revoke what the first redemption issued
    expect((await accessRow(issued.access_token)).revokedAt).not.toBeNull();
  });

  it('refuses a wrong PKCE verifier and a verifier for a code issued without a challenge (downgrade)', async () => {
    const { challenge } = pkcePair();
    const withChallenge = await obtainCode(await loggedIn(t.http), { codeChallenge: challenge });
    const wrong = await exchangeCode(t.http, withChallenge, { code_verifier: pkcePair().verifier }).expect(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const withoutChallenge = await obtainCode(await loggedIn(t.http));
    const downgrade = await exchangeCode(t.http, withoutChallenge, { code_verifier: pkcePair().verifier }).expect(400);
    expect(downgrade.body.error).toBe('invalid_grant');
    const missing = await exchangeCode(t.http, await obtainCode(await loggedIn(t.http), { codeChallenge: challenge })).expect(400);
    expect(missing.body.error).toBe('invalid_grant');
  });

  it('refuses a verifier outside the RFC 7636 ABNF', async () => {
    const verifier = 'a'.repeat(42) + '!';
    const { challenge } = pkcePair();
    const code = await obtainCode(await loggedIn(t.http), { codeChallenge: challenge });
    expect((await exchangeCode(t.http, code, { code_verifier: verifier }).expect(400)).body.error).toBe('invalid_grant');
  });

  it('lets a public client redeem with PKCE and no secret', async () => {
    const pub = await extraClient(t, { clientId: 'public-pkce', public: true, redirectUri: DEMO_CLIENT.redirectUri });
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(await loggedIn(t.http), { clientId: pub.clientId, codeChallenge: challenge });
    const res = await token().type('form').send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri, client_id: pub.clientId, code_verifier: verifier }).expect(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.scope).toBe('app');
  });

  describe('client authentication', () => {
    it('answers an unknown client with 401 invalid_client', async () => {
      const res = await token().auth('nobody', 'nothing').type('form').send({ grant_type: 'authorization_code', code: 'x' }).expect(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    });

    it('refuses Basic and body credentials at once with 400', async () => {
      const res = await token()
        .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'x', client_secret: DEMO_CLIENT.clientSecret })
        .expect(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('refuses a malformed Basic header with 401', async () => {
      const res = await token().set('Authorization', 'Basic !!!not-base64').type('form').send({ grant_type: 'authorization_code', code: 'x' }).expect(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('refuses client credentials in the query string with 400', async () => {
      const res = await token()
        .query({ client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'x' })
        .expect(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('accepts client_secret_post', async () => {
      const code = await obtainCode(await loggedIn(t.http));
      await token()
        .type('form')
        .send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri, client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret })
        .expect(200);
    });

    it('makes a client wait after repeated failures (429 with Retry-After)', async () => {
      const attempt = () => token().auth('brute-target', 'guess').type('form').send({ grant_type: 'authorization_code', code: 'x' });
      for (let i = 0; i < 20; i += 1) {
        await attempt().expect(401);
      }
      const blocked = await attempt().expect(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.body.error).toBe('invalid_client');
    });
  });

  describe('malformed requests get 400, never 500', () => {
    it('refuses GET', async () => {
      expect((await request(t.http).get('/oauth/token').expect(400)).body.error).toBe('invalid_request');
    });
    it('refuses an empty body', async () => {
      expect((await token().auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).expect(400)).body.error).toBe('invalid_request');
    });
    it('refuses an unexpected content type', async () => {
      const res = await token().auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).set('Content-Type', 'text/plain').send('grant_type=authorization_code').expect(400);
      expect(res.body.error).toBe('invalid_request');
    });
    it('refuses duplicated parameters', async () => {
      const res = await token().auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send('grant_type=authorization_code&code=a&code=b').expect(400);
      expect(res.body.error).toBe('invalid_request');
    });
    it('refuses malformed JSON', async () => {
      const res = await token().set('Content-Type', 'application/json').send('{"grant_type":').expect(400);
      expect(res.body.error).toBe('invalid_request');
    });
    it('refuses an oversized body with 413 invalid_request', async () => {
      const res = await token().auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send(`grant_type=authorization_code&code=${'x'.repeat(300 * 1024)}`).expect(413);
      expect(res.body.error).toBe('invalid_request');
    });
    it('refuses an oversized JSON body on the installation URL with 413 and a message', async () => {
      const tokens = await demoTokens();
      const res = await request(t.http)
        .put(`/api/smartapps/installations/${tokens.installation_id}/locks/x`)
        .set('Authorization', `Bearer ${tokens.access_token}`)
        .send({ command: 'lock', padding: 'x'.repeat(300 * 1024) })
        .expect(413);
      expect(res.body).toMatchObject({ error: true, message: 'The request body is too large' });
    });
    it('refuses an unknown grant type', async () => {
      const res = await token().auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ grant_type: 'password' }).expect(400);
      expect(res.body.error).toBe('unsupported_grant_type');
    });
  });

  describe('refresh tokens', () => {
    const refresh = (refreshToken: string, extra: Record<string, string> = {}, auth: [string, string] = [DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret]) =>
      token()
        .auth(...auth)
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });

    it('refuses a refresh by another client', async () => {
      const other = await extraClient(t, { clientId: 'other-refresher' });
      const tokens = await demoTokens();
      expect((await refresh(tokens.refresh_token, {}, [other.clientId, other.clientSecret!]).expect(400)).body.error).toBe('invalid_grant');
      expect((await refreshRow(tokens.refresh_token)).rotatedAt).toBeNull();
    });

    it('refuses an expired refresh token', async () => {
      const tokens = await demoTokens();
      await t.write((m) => m.getRepository(RefreshToken).update({ tokenHash: sha256(tokens.refresh_token) }, { expiresAt: new Date(Date.now() - 1) }));
      expect((await refresh(tokens.refresh_token).expect(400)).body.error).toBe('invalid_grant');
    });

    it('refuses a revoked refresh token', async () => {
      const tokens = await demoTokens();
      await request(t.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: tokens.refresh_token }).expect(200);
      expect((await refresh(tokens.refresh_token).expect(400)).body.error).toBe('invalid_grant');
      expect((await accessRow(tokens.access_token)).revokedAt).not.toBeNull();
    });

    it('revokes the whole family when a rotated refresh token is replayed', async () => {
      const tokens = await demoTokens();
      const rotated = (await refresh(tokens.refresh_token).expect(200)).body as TokenReply;
      expect((await refresh(tokens.refresh_token).expect(400)).body.error).toBe('invalid_grant');
      expect((await refreshRow(rotated.refresh_token)).revokedAt).not.toBeNull();
      expect((await accessRow(rotated.access_token)).revokedAt).not.toBeNull();
      await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${rotated.access_token}`).expect(401);
    });

    it('lets the scope shrink but never widen', async () => {
      const code = await obtainCode(await loggedIn(t.http), { scope: 'app offline_access' });
      const tokens = (await exchangeCode(t.http, code).expect(200)).body as TokenReply;
      expect(tokens.scope).toBe('app offline_access');
      const widened = await refresh(tokens.refresh_token, { scope: 'app offline_access admin' }).expect(400);
      expect(widened.body.error).toBe('invalid_scope');
      const narrowed = (await refresh(tokens.refresh_token, { scope: 'app' }).expect(200)).body as TokenReply;
      expect(narrowed.scope).toBe('app');
      // a confidential client keeps its refresh token without offline_access
      expect(narrowed.refresh_token).toBeTruthy();
    });

    it('answers with exactly the scope asked, and still gives a confidential client its refresh token', async () => {
      const tokens = await demoTokens();
      expect(tokens.scope).toBe('app');
      expect(tokens.refresh_token).toBeTruthy();
    });
  });

  describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
    it('does not revoke another client’s token, and says 200 all the same', async () => {
      const other = await extraClient(t, { clientId: 'other-revoker' });
      const tokens = await demoTokens();
      await request(t.http).post('/oauth/revoke').auth(other.clientId, other.clientSecret!).type('form').send({ token: tokens.access_token }).expect(200);
      expect((await accessRow(tokens.access_token)).revokedAt).toBeNull();
    });

    it('answers 200 for an unknown token', async () => {
      await request(t.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: 'unknown-token-value' }).expect(200);
    });

    it('requires client authentication for introspection (401)', async () => {
      const tokens = await demoTokens();
      const res = await request(t.http).post('/oauth/introspect').type('form').send({ token: tokens.access_token }).expect(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('answers garbage and other clients’ tokens with active:false', async () => {
      const other = await extraClient(t, { clientId: 'other-introspector' });
      const tokens = await demoTokens();
      const garbage = await request(t.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: '%%%garbage' }).expect(200);
      expect(garbage.body).toEqual({ active: false });
      const foreign = await request(t.http).post('/oauth/introspect').auth(other.clientId, other.clientSecret!).type('form').send({ token: tokens.access_token }).expect(200);
      expect(foreign.body).toEqual({ active: false });
    });

    it('describes an active token to its own client', async () => {
      const tokens = await demoTokens();
      const res = await request(t.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: tokens.access_token }).expect(200);
      expect(res.body).toMatchObject({ active: true, client_id: 'device-bridge', token_type: 'bearer', installation_id: tokens.installation_id, iss: t.config.baseUrl });
      expect(typeof res.body.exp).toBe('number');
      expect(typeof res.body.sub).toBe('string');
      expect(typeof res.body.location_id).toBe('string');
    });
  });

  it('refuses a bearer token in the query string for a modern client', async () => {
    const tokens = await demoTokens();
    const res = await request(t.http).get(`/api/smartapps/endpoints?access_token=${tokens.access_token}`).expect(401);
    expect(res.body.error).toBe('invalid_token');
  });

  it('ends every token at once when the installation is uninstalled', async () => {
    const tokens = await demoTokens();
    const base = `/api/smartapps/installations/${tokens.installation_id}`;
    await request(t.http).delete(base).set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    await request(t.http).get(`${base}/switches`).set('Authorization', `Bearer ${tokens.access_token}`).expect(401);
    const refreshed = await token().auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }).expect(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await refreshRow(tokens.refresh_token)).revokedAt).not.toBeNull();
  });
});
