import request from 'supertest';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { api, DEMO_DEVELOPER_TOKEN, install, logsOf, newDeveloper, OAuthApp, publishWithOAuth, smartAppSource } from '../factories/developer';

// Over HTTP, the fairness rules of the sandbox (docs/authoring.md "Limits and quarantine"):
// quarantine after repeated kills, CPU budgets, the per-installation queue, and the author's usage.
const NOISY = smartAppSource({
  name: 'Noisy',
  mappings: `{ '/ping': { GET: 'ping' }, '/loop': { GET: 'loop' }, '/work': { GET: 'work' } }`,
  handlers: `
    ping(ctx) { return { pong: true } },
    loop(ctx) { while (true) {} },
    // busy for a while, then answers: a few hundred million steps, far below the test's deadline
    work(ctx) { let x = 0; for (let i = 0; i < 3e7; i++) { x += i % 7 } return { x: x > 0 } },
  `,
});

type Installed = { accessToken: string; installationId: string; base: string };

describe('sandbox fairness over HTTP', () => {
  let t: TestApp;
  const call = (who: Installed, path: string) => request(t.http).get(`${who.base}${path}`).set('Authorization', `Bearer ${who.accessToken}`);

  afterEach(async () => {
    await t.close();
  });

  it('quarantines an installation after repeated deadline kills: 429 with Retry-After at once, recorded for the user and the author, others unaffected', async () => {
    t = await startTestApp({ SANDBOX_CPU_MS: '150', SANDBOX_QUARANTINE_AFTER_KILLS: '2', SANDBOX_QUARANTINE_SECONDS: '600' });
    const app: OAuthApp = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, NOISY);
    const hostile = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light']);
    const neighbour = await install(t.http, app, DEMO_USER, 'Cabin', ['Cabin Light']);

    await call(hostile, '/loop').expect(504);
    await call(hostile, '/loop').expect(504);
    const refused = await call(hostile, '/ping').expect(429);
    expect(refused.body).toEqual({ error: true, type: 'RateLimit', message: 'Please try again later' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600);
    // the install URL's own rate-limit headers are still there
    expect(refused.headers['x-ratelimit-limit']).toBe('250');
    await call(neighbour, '/ping').expect(200, { pong: true });

    const activity = await t.db.getRepository(ActivityLog).findBy({ installationId: hostile.installationId, kind: 'error' });
    expect(activity.map((a) => a.summary)).toContainEqual(expect.stringContaining('Quarantined for 600 s after repeated deadline or memory kills'));
    const logs = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id, `?installation=${hostile.installationId}`);
    expect(logs.map((l) => l.message)).toContainEqual(expect.stringContaining('Quarantined for 600 s'));

    const usage = await api(t.http, DEMO_DEVELOPER_TOKEN).get(`/${app.id}/usage`).expect(200);
    // runs: the two installed() lifecycles, two loops, one ping
    expect(usage.body).toMatchObject({ smartAppId: app.id, runs: 5, timeouts: 2, memoryKills: 0, refused: 1, quarantines: 1, quarantinedInstallations: 1 });
    expect(usage.body.cpuMs).toBeGreaterThanOrEqual(300);
    expect(usage.body.window).toEqual({ cpuMs: expect.any(Number), budgetMs: 60000, resetsAt: expect.any(String) });
    // only its author sees it
    const other = await newDeveloper(t, 'someone-else@example.com');
    await api(t.http, other.token).get(`/${app.id}/usage`).expect(404);
  });

  it("refuses an installation that spent its CPU budget with 429 until the window turns, not its neighbours", async () => {
    t = await startTestApp({ SANDBOX_CPU_MS: '1500', SANDBOX_CPU_MS_PER_INSTALLATION: '1000', SANDBOX_CPU_WINDOW_SECONDS: '3600' });
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, NOISY);
    const spender = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light']);
    const neighbour = await install(t.http, app, DEMO_USER, 'Cabin', ['Cabin Light']);
    await call(spender, '/ping').expect(200);
    // a run stopped at its 1500 ms deadline is charged at least that: more than the 1000 ms budget
    await call(spender, '/loop').expect(504);
    const refused = await call(spender, '/ping').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    await call(neighbour, '/ping').expect(200);
  });

  it('refuses calls beyond the installation queue at once with 429', async () => {
    t = await startTestApp({ SANDBOX_CPU_MS: '30000', CLAIM_TIMEOUT_MS: '120000', SANDBOX_CONCURRENCY_PER_INSTALLATION: '1', SANDBOX_QUEUE_PER_INSTALLATION: '1' });
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, NOISY);
    const busy = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light']);
    // one runs, one waits, the rest are refused without waiting for a worker
    const replies = await Promise.all(Array.from({ length: 6 }, () => call(busy, '/work')));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const refused = replies.find((r) => r.status === 429);
    expect(refused?.headers['retry-after']).toBe('1');
  }, 120_000);
});
