import request from 'supertest';
import { connect, optionValue } from '../helpers/browser';
import { manualClock } from '../factories/events';
import { RateCounter } from '../../src/events/rate-counter.entity';
import { RateTally } from '../../src/events/rate-tally.service';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };

describe('the install URL is rate limited per installation (CONTRACT §3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_CALLS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends X-RateLimit-* on every reply and 429 RateLimit once the window’s calls are used up', async () => {
    const clock = manualClock(t, new Date('2025-05-01T12:00:10Z'));
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    const base = `/api/smartapps/installations/${token.installation_id}`;
    const call = (path: string) => request(t.http).get(`${base}${path}`).set('Authorization', `Bearer ${token.access_token}`);

    const first = await call('/switches').expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-current']).toBe('1');
    expect(first.headers['x-ratelimit-ttl']).toBe('50');
    // errors count and carry the headers too
    const missing = await call('/nothing').expect(404);
    expect(missing.headers['x-ratelimit-current']).toBe('2');
    await call('/switches').expect(200);
    const over = await call('/switches').expect(429);
    expect(over.body).toEqual({ error: true, type: 'RateLimit', message: 'Please try again later' });
    expect(over.headers['x-ratelimit-limit']).toBe('3');
    expect(over.headers['x-ratelimit-current']).toBe('4');
    expect(over.headers['x-ratelimit-ttl']).toBe('50');

    // another installation has its own allowance
    const other = await connect(t.http, DEMO, 'Cabin', (page) => ({ switches: optionValue(page, 'Cabin Light') }));
    const otherReply = await request(t.http)
      .get(`/api/smartapps/installations/${other.token.installation_id}/switches`)
      .set('Authorization', `Bearer ${other.token.access_token}`)
      .expect(200);
    expect(otherReply.headers['x-ratelimit-current']).toBe('1');

    // a caller without the installation's token neither counts nor is told the numbers
    const anonymous = await request(t.http).get(`${base}/switches`).expect(401);
    expect(anonymous.headers['x-ratelimit-current']).toBeUndefined();

    // the next window starts again from zero
    clock.advance(50 * 1000);
    const next = await call('/switches').expect(200);
    expect(next.headers['x-ratelimit-current']).toBe('1');
    expect(next.headers['x-ratelimit-ttl']).toBe('60');
  });

  it('counts in memory and shares the count through the database: another instance’s calls count after a reconciliation', async () => {
    manualClock(t, new Date('2025-05-02T08:00:00Z'));
    const tally = t.app.get(RateTally);
    const { token } = await connect(t.http, DEMO, 'Home', (page) => ({ switches: optionValue(page, 'Porch Light') }));
    const id = token.installation_id;
    const call = () => request(t.http).get(`/api/smartapps/installations/${id}/switches`).set('Authorization', `Bearer ${token.access_token}`);
    expect((await call().expect(200)).headers['x-ratelimit-current']).toBe('1');
    await tally.reconcile();
    const bucket = `install-api:${id}`;
    const [row] = await t.db.getRepository(RateCounter).findBy({ bucket });
    expect(row.hits).toBe(1);
    // another instance sent one call of this window to the database
    await t.write((m) => m.getRepository(RateCounter).update({ bucket, windowNo: row.windowNo }, { hits: row.hits + 1 }));
    // not known here yet: within the tolerance, this instance counts its own
    expect((await call().expect(200)).headers['x-ratelimit-current']).toBe('2');
    await tally.reconcile();
    // now it is: 1 (here) + 1 (there) + 1 (here) sent, and the next call is the fourth of a limit of 3
    expect((await t.db.getRepository(RateCounter).findOneByOrFail({ bucket, windowNo: row.windowNo })).hits).toBe(3);
    const over = await call().expect(429);
    expect(over.body).toEqual({ error: true, type: 'RateLimit', message: 'Please try again later' });
    expect(over.headers['x-ratelimit-current']).toBe('4');
    await tally.reconcile();
    expect((await t.db.getRepository(RateCounter).findOneByOrFail({ bucket, windowNo: row.windowNo })).hits).toBe(4);
  });
});
