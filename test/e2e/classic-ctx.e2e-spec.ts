// The classic ctx runtime (docs/authoring.md, "Classic ctx members"): atomicState under concurrent
// runs, httpGet/sendHubCommand with their responses, render, unsubscribe(devices), app.subscriptions,
// runEvery*. Everything through the install URL of a real installation.
import request from 'supertest';
import { ActivityLog } from '../../src/installations/activity-log.entity';
import { ScheduledJob } from '../../src/events/scheduled-job.entity';
import { Subscription } from '../../src/events/subscription.entity';
import { api, DEMO_DEVELOPER_TOKEN, install, logsOf, OAuthApp, publishWithOAuth, REDIRECT_URI, smartAppSource } from '../factories/developer';
import { startReceiver, type Receiver } from '../factories/events';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';

const CLASSIC = smartAppSource({
  name: 'Classic Runtime',
  mappings: `{
    '/count': { POST: 'count', GET: 'readCount' },
    '/fetch': { GET: 'fetch' },
    '/fetch-callback': { GET: 'fetchCallback' },
    '/state': { GET: 'readState' },
    '/hub': { GET: 'hub' },
    '/page/:kind': { GET: 'page' },
    '/subscribe': { POST: 'subscribeAll' },
    '/unsubscribe/:index': { POST: 'unsubscribeOne' },
    '/subscriptions': { GET: 'subscriptions' },
    '/every': { POST: 'every' },
  }`,
  handlers: `
    count(ctx) { const n = (ctx.atomicState.count || 0) + 1; ctx.atomicState.count = n; return { count: n } },
    readCount(ctx) { return { count: ctx.atomicState.count || 0 } },
    async fetch(ctx) {
      try {
        const r = await ctx.httpGet({ uri: ctx.params.base, path: ctx.params.path, query: { q: 'x' }, headers: { 'X-Test': 'yes' } });
        return { status: r.status, type: r.headers['content-type'], data: r.data };
      } catch (e) {
        return { error: e.message };
      }
    },
    fetchCallback(ctx) { ctx.httpGet(ctx.params.url, (resp) => { ctx.state.got = resp.data }) },
    readState(ctx) { return ctx.state },
    async hub(ctx) {
      try {
        const r = await ctx.sendHubCommand({ method: 'POST', path: ctx.params.path, headers: { HOST: ctx.params.host }, query: { a: '1' }, body: { on: true } });
        return { status: r.status, data: r.data };
      } catch (e) {
        return { error: e.message };
      }
    },
    page(ctx) {
      if (ctx.params.kind === 'html') { ctx.render({ contentType: 'text/html', data: '<h1>Hello</h1><script>alert(1)</script>' }) }
      else if (ctx.params.kind === 'bad') { ctx.render({ contentType: 'application/x-msdownload', data: 'MZ' }) }
      else { ctx.render({ contentType: 'text/plain', data: 'plain words', status: 202 }) }
    },
    subscribeAll(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch'); ctx.subscribe(ctx.settings.switches, 'switch.on', 'onOn') },
    unsubscribeOne(ctx) { ctx.unsubscribe(ctx.settings.switches[Number(ctx.params.index)]) },
    subscriptions(ctx) { return ctx.app.subscriptions.map((s) => ({ device: s.device && s.device.displayName, attribute: s.attribute, handler: s.handler })) },
    every(ctx) { ctx.runEvery5Minutes('tick'); ctx.runEvery3Hours('slowTick') },
    onSwitch() {}, onOn() {}, tick() {}, slowTick() {},
  `,
});

jest.setTimeout(180_000);

describe('classic ctx runtime', () => {
  let t: TestApp;
  let receiver: Receiver;
  let app: OAuthApp;
  let inst: { accessToken: string; installationId: string; base: string };
  const call = (method: 'get' | 'post', path: string) => request(t.http)[method](`${inst.base}${path}`).set('Authorization', `Bearer ${inst.accessToken}`);

  const requestActivity = async (): Promise<string[]> =>
    (await t.db.getRepository(ActivityLog).find({ where: { installationId: inst.installationId, kind: 'callback' }, order: { at: 'ASC' } })).map((a) => a.summary);

  beforeAll(async () => {
    receiver = await startReceiver();
    // three workers, so two runs of the installation really overlap
    t = await startTestApp({ SANDBOX_WORKERS: '3', SANDBOX_CPU_MS: '5000' });
    app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, CLASSIC);
    await api(t.http, DEMO_DEVELOPER_TOKEN)
      .put(`/${app.id}/oauth`, { redirect_uris: [REDIRECT_URI], client_name: 'Test Service', callback_prefixes: [`${receiver.url}/api/`, `${receiver.url}/hub/`] })
      .expect(200);
    inst = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light', 'Porch Light']);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  it('atomicState: concurrent increments of one installation lose none', async () => {
    const runs = 8;
    const replies = await Promise.all(Array.from({ length: runs }, () => call('post', '/count')));
    expect(replies.map((r) => r.status)).toEqual(Array.from({ length: runs }, () => 201));
    // each run saw a distinct value: no two read the same count and both wrote it
    expect(replies.map((r) => (r.body as { count: number }).count).sort((a, b) => a - b)).toEqual(Array.from({ length: runs }, (_, i) => i + 1));
    expect((await call('get', '/count').expect(200)).body).toEqual({ count: runs });
  });

  it('httpGet under a registered prefix hands the response to the handler', async () => {
    const res = await call('get', '/fetch').query({ base: `${receiver.url}/api`, path: '/things' }).expect(200);
    expect(res.body).toEqual({ status: 200, type: undefined, data: 'ok' });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].path).toBe('/api/things?q=x');
    expect(receiver.received[0].headers['x-test']).toBe('yes');
    // the user sees where the app sent a request (without the query)
    expect(await requestActivity()).toContain(`Request GET ${receiver.url}/api/things: HTTP 200`);
  });

  it('httpGet with a classic closure: the callback runs before the run ends', async () => {
    await call('get', '/fetch-callback').query({ url: `${receiver.url}/api/cb` }).expect(204);
    expect(receiver.received.map((r) => r.path)).toEqual(['/api/cb']);
    expect((await call('get', '/state').expect(200)).body).toMatchObject({ got: 'ok' });
  });

  it.each([
    ['another path on the registered host', (r: string) => ({ base: r, path: '/admin' })],
    ['a path that only starts with the prefix text', (r: string) => ({ base: `${r}/apix`, path: '/y' })],
    ['an encoded dot segment', (r: string) => ({ base: `${r}/api`, path: '/%2e%2e/admin' })],
    ['a host nobody registered', () => ({ base: 'https://evil.test/api', path: '/x' })],
    ['another scheme', () => ({ base: 'file:///etc', path: '/passwd' })],
  ])('httpGet to %s is refused with an error the handler catches; nothing is sent', async (_what, target) => {
    const refusals = async () => (await requestActivity()).filter((a) => /^Request GET .*: refused: /.test(a)).length;
    const before = await refusals();
    const res = await call('get', '/fetch').query(target(receiver.url)).expect(200);
    expect((res.body as { error: string }).error).toMatch(/^ctx\.httpGet: /);
    expect(receiver.received).toHaveLength(0);
    // the refusal is in the user's activity too
    expect(await refusals()).toBe(before + 1);
  });

  it('sendHubCommand reaches HOST/path?query with the body, and is refused outside the prefixes', async () => {
    const host = new URL(receiver.url).host;
    const res = await call('get', '/hub').query({ host, path: '/hub/cmd' }).expect(200);
    expect(res.body).toEqual({ status: 200, data: 'ok' });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].path).toBe('/hub/cmd?a=1');
    expect(JSON.parse(receiver.received[0].body)).toEqual({ on: true });
    expect(receiver.received[0].headers['content-type']).toBe('application/json');

    const refused = await call('get', '/hub').query({ host, path: '/admin' }).expect(200);
    expect((refused.body as { error: string }).error).toMatch(/^ctx\.sendHubCommand: refused: .*not under a callback prefix/);
    expect(receiver.received).toHaveLength(1);
  });

  it('render answers text with its status and content type', async () => {
    const res = await call('get', '/page/text').expect(202);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe('plain words');
  });

  it('render answers HTML under a strict CSP (no script runs)', async () => {
    const res = await call('get', '/page/html').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; img-src data:/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe('<h1>Hello</h1><script>alert(1)</script>');
  });

  it('render refuses a content type it does not serve', async () => {
    const res = await call('get', '/page/bad').expect(500);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ type: 'SmartAppError', errorId: expect.any(String) as unknown });
    const logs = (await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id)).map((l) => l.message).join('\n');
    expect(logs).toContain('ctx.render cannot send "application/x-msdownload"');
  });

  it('app.subscriptions lists the subscriptions with their devices; unsubscribe(device) drops only that device’s', async () => {
    await call('post', '/subscribe').expect(204);
    const before = (await call('get', '/subscriptions').expect(200)).body as { device: string; attribute: string; handler: string }[];
    expect(before).toHaveLength(4);
    expect(new Set(before.map((s) => `${s.device} ${s.attribute} ${s.handler}`))).toEqual(
      new Set(['Kitchen Light switch onSwitch', 'Porch Light switch onSwitch', 'Kitchen Light switch onOn', 'Porch Light switch onOn']),
    );
    await call('post', '/unsubscribe/0').expect(204);
    const after = (await call('get', '/subscriptions').expect(200)).body as { device: string }[];
    expect(after).toHaveLength(2);
    const rows = await t.db.getRepository(Subscription).find({ where: { installationId: inst.installationId } });
    expect(rows).toHaveLength(2);
    expect(new Set(after.map((s) => s.device)).size).toBe(1);
  });

  it('runEvery5Minutes and runEvery3Hours create cron schedules at a random offset within the period', async () => {
    await call('post', '/every').expect(204);
    const jobs = await t.db.getRepository(ScheduledJob).find({ where: { installationId: inst.installationId }, order: { handler: 'ASC' } });
    expect(jobs.map((j) => [j.handler, j.kind])).toEqual([
      ['slowTick', 'cron'],
      ['tick', 'cron'],
    ]);
    const [slow, tick] = jobs;
    expect(tick.cron).toMatch(/^\d{1,2} [0-4]-59\/5 \* \* \* \*$/);
    expect(slow.cron).toMatch(/^\d{1,2} \d{1,2} [0-2]-23\/3 \* \* \*$/);
    // the next run is within five minutes
    expect(tick.runAt.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);
  });
});
