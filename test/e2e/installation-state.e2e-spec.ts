import request from 'supertest';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { DEMO_DEVELOPER_TOKEN, install, publishWithOAuth, smartAppSource } from '../factories/developer';

// A handler that only reads its installation's state must not write back the state it read: a
// change another handler made meanwhile would be lost (found by the crash test's author).
const STATEFUL = smartAppSource({
  name: 'Stateful',
  mappings: `{ '/slow': { GET: 'slow' }, '/mark': { PUT: 'mark' }, '/state': { GET: 'show' } }`,
  handlers: `
    slow(ctx) { let x = 0; for (let i = 0; i < 8e7; i++) { x += i % 7 } return { seen: ctx.state.mark ?? null, x: x > 0 } },
    mark(ctx) { ctx.state.mark = 'set'; return { ok: true } },
    show(ctx) { return { mark: ctx.state.mark ?? null } },
  `,
});

describe('installation state', () => {
  let t: TestApp;

  beforeAll(async () => {
    // three workers: one installation may hold two at once (one is always kept for the others)
    t = await startTestApp({ SANDBOX_WORKERS: '3', SANDBOX_CPU_MS: '20000', CLAIM_TIMEOUT_MS: '120000' });
  });

  afterAll(async () => {
    await t.close();
  });

  it('is not overwritten by a read-only handler that started before a change', async () => {
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, STATEFUL);
    const inst = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light']);
    const call = (method: 'get' | 'put', path: string) => request(t.http)[method](`${inst.base}${path}`).set('Authorization', `Bearer ${inst.accessToken}`);
    const slow = call('get', '/slow');
    const slowDone = slow.then((r) => r);
    // the slow read is running (or queued) when the change lands
    await new Promise((r) => setTimeout(r, 300));
    await call('put', '/mark').expect(200);
    const read = await slowDone;
    expect(read.status).toBe(200);
    await call('get', '/state').expect(200, { mark: 'set' });
  });
});
