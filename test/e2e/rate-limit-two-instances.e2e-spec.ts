// Two platform instances in one process on one PostgreSQL database (skipped without DATABASE_URL):
// the per-installation rate limit, counted in memory by each and reconciled through the database,
// still holds across both within the documented tolerance (docs/performance.md, "No write on a read").
import request from 'supertest';
import { RateCounter } from '../../src/events/rate-counter.entity';
import { RateTally } from '../../src/events/rate-tally.service';
import { connect, optionValue } from '../helpers/browser';
import { manualClock } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const LIMIT = 10;
const maybe = process.env.DATABASE_URL?.startsWith('postgres') ? describe : describe.skip;

maybe('the install-URL rate limit across two instances on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  const env = { RATE_LIMIT_CALLS: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: '3600' };

  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startTestApp(env, { dropSchemaOnStart: false });
    // one window for the whole test on both
    const at = new Date('2025-06-01T10:00:00Z');
    manualClock(a, at);
    manualClock(b, at);
  }, 90000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('refuses once the calls on both instances together use up the window, exceeding it by at most one period’s calls on the other', async () => {
    const { token } = await connect(a.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const id = token.installation_id;
    const call = (t: TestApp) => request(t.http).get(`/api/smartapps/installations/${id}/switches`).set('Authorization', `Bearer ${token.access_token}`);
    const reconcileBoth = async () => {
      await a.app.get(RateTally).reconcile();
      await b.app.get(RateTally).reconcile();
      await a.app.get(RateTally).reconcile();
    };

    // 8 calls, 4 on each: every one within the limit, whatever each instance knows of the other
    const first: number[] = [];
    for (let i = 0; i < 4; i++) {
      first.push((await call(a)).status, (await call(b)).status);
    }
    expect(first).toEqual(Array(8).fill(200));
    await reconcileBoth();
    const bucket = `install-api:${id}`;
    expect((await a.db.getRepository(RateCounter).findBy({ bucket })).reduce((n, r) => n + r.hits, 0)).toBe(8);
    // each now knows the other's calls: the 9th is counted as the 9th on either
    const ninth = await call(b).expect(200);
    expect(ninth.headers['x-ratelimit-current']).toBe('9');

    // 5 more, alternating: 2 remain in the window; each instance may take them before it hears of the
    // other's (the tolerance), so between 2 and 4 are accepted
    const more: number[] = [];
    for (let i = 0; i < 5; i++) {
      more.push((await call(i % 2 === 0 ? a : b)).status);
    }
    const accepted = 9 + more.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(LIMIT);
    expect(accepted).toBeLessThanOrEqual(LIMIT + 2);
    expect(more.every((s) => s === 200 || s === 429)).toBe(true);

    // once both have reconciled, both refuse, and say how many calls the window has seen
    await reconcileBoth();
    const overA = await call(a).expect(429);
    const overB = await call(b).expect(429);
    expect(overA.body).toEqual({ error: true, type: 'RateLimit', message: 'Please try again later' });
    expect(Number(overA.headers['x-ratelimit-current'])).toBeGreaterThanOrEqual(15);
    expect(Number(overB.headers['x-ratelimit-current'])).toBeGreaterThanOrEqual(15);
    expect(overB.headers['x-ratelimit-limit']).toBe(String(LIMIT));
  }, 90000);
});
