import request from 'supertest';
import { Account } from '../../src/accounts/account.entity';
import { AccessToken } from '../../src/oauth/access-token.entity';
import { sha256 } from '../../src/common/secrets';
import { exchangeCode } from '../helpers/browser';
import { loggedIn, obtainCode } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('the SMART auth-proxy debug endpoints', () => {
  describe('in development', () => {
    let t: TestApp;
    let installationId: string;
    beforeAll(async () => {
      t = await startTestApp();
      const tokens = (await exchangeCode(t.http, await obtainCode(await loggedIn(t.http))).expect(200)).body as { installation_id: string };
      installationId = tokens.installation_id;
      await t.write((m) => m.getRepository(Account).update({ email: 'other@example.com' }, { role: 'admin' }));
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses anonymous callers and non-admins', async () => {
      await request(t.http).post('/oauth/debug/token').send({ client_id: 'device-bridge', installation_id: installationId }).expect(401);
      const user = await loggedIn(t.http);
      await user.post('/oauth/debug/token').send({ client_id: 'device-bridge', installation_id: installationId }).expect(403);
      await user.get('/oauth/debug/introspect?access_token=x').expect(403);
    });

    it('lets an admin mint a token for an installation and describe it', async () => {
      const admin = await loggedIn(t.http, { email: 'other@example.com', password: 'other-password' });
      const minted = await admin.post('/oauth/debug/token').send({ client_id: 'device-bridge', installation_id: installationId, expires_in: 600 }).expect(201);
      expect(minted.body).toMatchObject({ token_type: 'bearer', expires_in: 600, installation_id: installationId });
      expect(await t.db.getRepository(AccessToken).countBy({ tokenHash: sha256(minted.body.access_token) })).toBe(1);
      await request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${minted.body.access_token}`).expect(200);
      const described = await admin.get(`/oauth/debug/introspect?access_token=${encodeURIComponent(minted.body.access_token)}`).expect(200);
      expect(described.body).toMatchObject({ scopes: ['app'], token_type: 'bearer', installation_id: installationId, security_labels: [] });
    });

    it('takes only JSON for minting (a cross-site form cannot use an admin’s cookie)', async () => {
      const admin = await loggedIn(t.http, { email: 'other@example.com', password: 'other-password' });
      await admin.post('/oauth/debug/token').type('form').send({ client_id: 'device-bridge', installation_id: installationId }).expect(400);
    });
  });

  describe('in production', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ NODE_ENV: 'production', SEED_DEMO: 'true' });
      await t.write((m) => m.getRepository(Account).update({ email: 'other@example.com' }, { role: 'admin' }));
    });
    afterAll(async () => {
      await t.close();
    });

    it('is off unless ENABLE_DEBUG_ENDPOINTS=true', async () => {
      const admin = await loggedIn(t.http, { email: 'other@example.com', password: 'other-password' });
      await admin.post('/oauth/debug/token').send({ client_id: 'device-bridge', installation_id: 'x' }).expect(404);
      await admin.get('/oauth/debug/introspect?access_token=x').expect(404);
    });
  });
});
