import request from 'supertest';
import { sha256 } from '../../src/common/secrets';
import { RefreshToken } from '../../src/oauth/refresh-token.entity';
import { SmartApp } from '../../src/smartapps/smartapp.entity';
import { exchangeCode } from '../helpers/browser';
import { loggedIn, obtainCode } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('token lifetimes per client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const configure = async (body: Record<string, unknown>) => {
    const app = await t.db.getRepository(SmartApp).findOneByOrFail({ name: 'Device Bridge' });
    return request(t.http)
      .put(`/api/developer/smartapps/${app.id}/oauth`)
      .set('Authorization', 'Bearer demo-developer-token')
      .send({ redirect_uris: ['http://localhost:3001/callback', 'http://127.0.0.1:3001/callback'], ...body });
  };

  it('uses the platform defaults (24 h access, 90 days refresh) until the author sets others', async () => {
    const tokens = (await exchangeCode(t.http, await obtainCode(await loggedIn(t.http))).expect(200)).body as { expires_in: number; refresh_token: string };
    expect(tokens.expires_in).toBe(86400);
    const refresh = await t.db.getRepository(RefreshToken).findOneByOrFail({ tokenHash: sha256(tokens.refresh_token) });
    expect(Math.round((refresh.expiresAt.getTime() - Date.now()) / 86400000)).toBe(90);
  });

  it('applies the author’s access_token_ttl and refresh_token_ttl', async () => {
    expect((await configure({ access_token_ttl: 600, refresh_token_ttl: 7200 })).status).toBe(200);
    const tokens = (await exchangeCode(t.http, await obtainCode(await loggedIn(t.http))).expect(200)).body as { expires_in: number; refresh_token: string };
    expect(tokens.expires_in).toBe(600);
    const refresh = await t.db.getRepository(RefreshToken).findOneByOrFail({ tokenHash: sha256(tokens.refresh_token) });
    expect(Math.round((refresh.expiresAt.getTime() - Date.now()) / 60000)).toBe(120);
  });

  it('refuses lifetimes out of range with the field named', async () => {
    const res = await configure({ access_token_ttl: 5 });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('access_token_ttl');
  });
});
