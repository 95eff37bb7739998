import { BrowserSession } from '../../src/accounts/browser-session.entity';
import { sha256 } from '../../src/common/secrets';
import { Housekeeping } from '../../src/housekeeping/housekeeping.service';
import { AccessToken } from '../../src/oauth/access-token.entity';
import { AuthorizationCode } from '../../src/oauth/authorization-code.entity';
import { AuthorizeTransaction } from '../../src/oauth/authorize-transaction.entity';
import { RefreshToken } from '../../src/oauth/refresh-token.entity';
import { exchangeCode, openPreferences } from '../helpers/browser';
import { loggedIn, obtainCode } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('housekeeping: expired rows go, live ones stay', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('deletes only what can no longer be used', async () => {
    const agent = await loggedIn(t.http);
    const old = (await exchangeCode(t.http, await obtainCode(agent)).expect(200)).body as { access_token: string; refresh_token: string };
    const live = (await exchangeCode(t.http, await obtainCode(agent)).expect(200)).body as { access_token: string; refresh_token: string };
    await openPreferences(agent, 'Home'); // leaves an unfinished authorization behind
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await t.write((m) => m.getRepository(AccessToken).update({ tokenHash: sha256(old.access_token) }, { expiresAt: twoDaysAgo }));
    await t.write((m) => m.getRepository(RefreshToken).update({ tokenHash: sha256(old.refresh_token) }, { expiresAt: twoDaysAgo }));
    await t.write((m) => m.getRepository(AuthorizationCode).createQueryBuilder().update().set({ expiresAt: twoDaysAgo }).execute());
    await t.write((m) => m.getRepository(AuthorizeTransaction).createQueryBuilder().update().set({ expiresAt: new Date(Date.now() - 1000) }).execute());
    await t.write((m) => m.getRepository(BrowserSession).insert({ idHash: sha256('stale-session'), data: '{}', expiresAt: twoDaysAgo }));
    const sessionsBefore = await t.db.getRepository(BrowserSession).count();

    const removed = await t.app.get(Housekeeping).sweep();

    expect(removed).toMatchObject({ sessions: 1, accessTokens: 1, refreshTokens: 1 });
    // the unfinished one and the two consumed by a decision (kept until they expire: consent once)
    expect(removed.authorizeTransactions).toBe(3);
    expect(removed.codes).toBeGreaterThanOrEqual(2);
    expect(await t.db.getRepository(AccessToken).countBy({ tokenHash: sha256(old.access_token) })).toBe(0);
    expect(await t.db.getRepository(AccessToken).countBy({ tokenHash: sha256(live.access_token) })).toBe(1);
    expect(await t.db.getRepository(RefreshToken).countBy({ tokenHash: sha256(live.refresh_token) })).toBe(1);
    expect(await t.db.getRepository(BrowserSession).count()).toBe(sessionsBefore - 1);
    // the logged-in session still works
    await agent.get('/').expect(200);
  });
});
