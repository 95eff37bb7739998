// Issue 10 points 4 and 5, checked by counting the SQL statements a call sends (TypeORM's logger
// sees every one, BEGIN and COMMIT included): deterministic, never timed.
import request from 'supertest';
import { RateTally } from '../../src/events/rate-tally.service';
import { UsageBuffer } from '../../src/installations/usage-buffer.service';
import { ClientsService } from '../../src/oauth/clients.service';
import { codeFrom, decide, DEMO_CLIENT, exchangeCode, openPreferences, optionValue } from '../helpers/browser';
import { loggedIn } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

type Tokens = { access_token: string; refresh_token?: string; installation_id: string };

describe('bearer routes and OAuth endpoints: statements per call', () => {
  let t: TestApp;
  let statements: string[] | null = null;

  beforeAll(async () => {
    t = await startTestApp();
    const logger = t.db.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      statements?.push(query);
      return original(query, parameters, runner);
    };
  }, 60000);
  afterAll(async () => {
    await t.close();
  });

  async function counted(work: () => Promise<unknown>): Promise<string[]> {
    // what earlier calls left buffered is written now, not by a timer in the middle of the count
    await t.app.get(UsageBuffer).flush();
    await t.app.get(RateTally).reconcile();
    statements = [];
    try {
      await work();
      return statements;
    } finally {
      statements = null;
    }
  }

  const isBegin = (q: string) => /^(BEGIN|START TRANSACTION)/i.test(q);
  const isCommit = (q: string) => /^COMMIT/i.test(q);

  const connectDemo = async (scope?: string) => {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home', scope ? { scope } : {});
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const token = (await exchangeCode(t.http, codeFrom(decided.headers.location)).expect(200)).body as Tokens;
    return { agent, token };
  };

  const introspect = (token: string, secret = DEMO_CLIENT.clientSecret) =>
    request(t.http).post('/oauth/introspect').auth(DEMO_CLIENT.clientId, secret).type('form').send({ token });

  it('loads no browser session, even with a session cookie, on /api/* and the token endpoints', async () => {
    const { agent, token } = await connectDemo();
    const cookies: unknown[] = [];
    const apiCall = await counted(async () => {
      const res = await agent.get('/api/smartapps/endpoints').set('Authorization', `Bearer ${token.access_token}`).expect(200);
      cookies.push(res.headers['set-cookie']);
    });
    expect(apiCall.filter((q) => q.includes('browser_sessions'))).toEqual([]);
    const introspection = await counted(async () => {
      const res = await agent.post('/oauth/introspect').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: token.access_token }).expect(200);
      cookies.push(res.headers['set-cookie']);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    });
    expect(introspection.filter((q) => q.includes('browser_sessions'))).toEqual([]);
    // nor does a bearer reply set (or renew) a session cookie
    expect(cookies).toEqual([undefined, undefined]);
    // a page still has its session
    const page = await counted(() => agent.get('/apps').expect(200));
    expect(page.some((q) => q.includes('browser_sessions'))).toBe(true);
  });

  it('a POST to a bearer route needs no CSRF token and a cookie does not authenticate it', async () => {
    const { agent, token } = await connectDemo();
    const base = `/api/smartapps/installations/${token.installation_id}`;
    await agent.put(`${base}/switches/on`).set('Authorization', `Bearer ${token.access_token}`).expect(204);
    await agent.get(`${base}/switches`).expect(401);
  });

  it('introspects a known access token without a statement, and sees its revocation at once', async () => {
    const { token } = await connectDemo();
    await introspect(token.access_token).expect(200);
    const again = await counted(async () => {
      const res = await introspect(token.access_token).expect(200);
      expect(res.body).toMatchObject({ active: true, token_type: 'bearer', client_id: DEMO_CLIENT.clientId, installation_id: token.installation_id });
      expect(typeof res.body.location_id).toBe('string');
      expect(typeof res.body.iat).toBe('number');
    });
    expect(again).toEqual([]);
    // a bearer call on the same token is warm too: the token and introspection share one cache
    const api = await counted(() => request(t.http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${token.access_token}`).expect(200));
    expect(api.filter((q) => q.includes('access_tokens') || q.includes('oauth_clients'))).toEqual([]);
    await request(t.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: token.access_token }).expect(200);
    await introspect(token.access_token).expect(200, { active: false });
  });

  it('introspects a refresh token from the database, and a cached access token only for its own client', async () => {
    const { token } = await connectDemo('app offline_access');
    const refresh = await introspect(token.refresh_token!).expect(200);
    expect(refresh.body).toMatchObject({ active: true, token_type: 'refresh_token', installation_id: token.installation_id });
    await introspect(token.access_token).expect(200);
    const other = await t.app.get(ClientsService).create({ name: 'Other', smartAppId: (await t.app.get(ClientsService).find(DEMO_CLIENT.clientId))!.smartAppId, redirectUris: ['https://other.example/cb'] });
    const foreign = await counted(() =>
      request(t.http).post('/oauth/introspect').auth(other.clientId, other.clientSecret!).type('form').send({ token: token.access_token }).expect(200, { active: false }),
    );
    expect(foreign.filter((q) => q.includes('access_tokens'))).toEqual([]);
  });

  it('refreshes in one transaction of at most four statements', async () => {
    const { token } = await connectDemo('app offline_access');
    const refreshToken = token.refresh_token!;
    let reply: Tokens | undefined;
    const sent = await counted(async () => {
      reply = (
        await request(t.http)
          .post('/oauth/token')
          .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
          .type('form')
          .send({ grant_type: 'refresh_token', refresh_token: refreshToken })
          .expect(200)
      ).body as Tokens;
    });
    const begin = sent.findIndex(isBegin);
    const commit = sent.findIndex(isCommit);
    // on PostgreSQL the transaction also announces the revoked access tokens to the other instances' caches (NOTIFY)
    const notifies = sent.slice(begin, commit).filter((q) => q.includes('pg_notify')).length;
    expect(commit - begin - 1 - notifies).toBeLessThanOrEqual(4);
    // nothing after the commit: the installation's last_used_at is buffered (UsageBuffer) and written later
    const after = sent.slice(commit + 1).filter((q) => isBegin(q) || /^\s*(INSERT|UPDATE|DELETE)/i.test(q));
    expect(after).toEqual([]);
    // the rotation still holds: the old token is spent, its replay ends the family
    const replay = await request(t.http).post('/oauth/token').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    await introspect(reply!.access_token).expect(200, { active: false });
  });

  it('two concurrent refreshes of one token: exactly one wins', async () => {
    const { token } = await connectDemo('app offline_access');
    const send = () =>
      request(t.http).post('/oauth/token').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ grant_type: 'refresh_token', refresh_token: token.refresh_token! });
    const replies = await Promise.all([send(), send()]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('caches client authentication and forgets it when the secret is rotated', async () => {
    const { token } = await connectDemo();
    await introspect(token.access_token).expect(200);
    const cached = await counted(() => introspect(token.access_token).expect(200));
    expect(cached.filter((q) => q.includes('oauth_clients'))).toEqual([]);
    const fresh = await t.app.get(ClientsService).rotateSecret(DEMO_CLIENT.clientId);
    const refused = await introspect(token.access_token).expect(401);
    expect(refused.body.error).toBe('invalid_client');
    expect((await introspect(token.access_token, fresh).expect(200)).body.active).toBe(true);
  });
});
