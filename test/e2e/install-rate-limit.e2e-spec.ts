import request from 'supertest';
import { connect, optionValue } from '../helpers/browser';
import { manualClock } from '../factories/events';
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
});
