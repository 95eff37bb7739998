// The deployment shape: two platform instances on one PostgreSQL, with one configuration. Run by
// scripts/two-instances.sh (which starts them); skipped in the ordinary suite, where there are none.
// A browser and a client that hop between the instances at every step must not notice.
import { CookieAccessInfo } from 'cookiejar';
import request from 'supertest';
import { codeFrom, decide, DEMO_CLIENT, logIn, openPreferences, optionValue } from '../helpers/browser';

const A = process.env.TWO_INSTANCES_A;
const B = process.env.TWO_INSTANCES_B;
const maybe = A && B ? describe : describe.skip;

maybe('two instances behind one database', () => {
  jest.setTimeout(90000);
  const a = request.agent(A ?? '');
  const b = request.agent(B ?? '');
  /** the browser's cookies go wherever the load balancer sends it */
  const hop = (from: typeof a, to: typeof b) => {
    const cookies = from.jar.getCookies(CookieAccessInfo.All);
    to.jar.setCookies(cookies.map((c) => c.toString()));
  };

  it('both are ready', async () => {
    for (const base of [A, B]) {
      const res = await request(base ?? '').get('/readyz').expect(200);
      expect(res.body.status).toBe('ok');
    }
  });

  it('connects, calls and refreshes with every step on the other instance', async () => {
    await logIn(a, 'demo@example.com', 'demo-password');
    hop(a, b);
    const page = await openPreferences(b, 'Home');
    hop(b, a);
    const decided = await decide(a, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const code = codeFrom(decided.headers.location);
    const token = (
      await request(B ?? '')
        .post('/oauth/token')
        .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
        .type('form')
        .send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri })
        .expect(200)
    ).body as { access_token: string; refresh_token: string };
    const endpoints = await request(A ?? '').get('/api/smartapps/endpoints').set('Authorization', `Bearer ${token.access_token}`).expect(200);
    const url = (endpoints.body as { url: string }[])[0].url;
    await request(B ?? '').put(`${url}/switches/on`).set('Authorization', `Bearer ${token.access_token}`).expect(204);
    const list = await request(A ?? '').get(`${url}/switches`).set('Authorization', `Bearer ${token.access_token}`).expect(200);
    expect((list.body as { value: string }[]).map((s) => s.value)).toEqual(['on']);

    const refreshed = await request(A ?? '')
      .post('/oauth/token')
      .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: token.refresh_token })
      .expect(200);
    await request(B ?? '').get(`${url}/switches`).set('Authorization', `Bearer ${(refreshed.body as { access_token: string }).access_token}`).expect(200);
    // rotation holds across instances: the old refresh token is spent on B too
    await request(B ?? '')
      .post('/oauth/token')
      .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: token.refresh_token })
      .expect(400);
    // the code is spent everywhere, and replaying it revokes what it gave (RFC 6749 §4.1.2) on both instances
    await request(A ?? '')
      .post('/oauth/token')
      .auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: DEMO_CLIENT.redirectUri })
      .expect(400);
    await request(B ?? '').get('/api/smartapps/endpoints').set('Authorization', `Bearer ${(refreshed.body as { access_token: string }).access_token}`).expect(401);
  });
});
