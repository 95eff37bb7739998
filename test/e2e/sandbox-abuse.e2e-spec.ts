import request from 'supertest';
import { Device } from '../../src/locations/device.entity';
import { DeviceEvent } from '../../src/locations/device-event.entity';
import { connect, optionValue } from '../helpers/browser';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { DEMO_DEVELOPER_TOKEN, install, logsOf, OAuthApp, publishWithOAuth, smartAppSource } from '../factories/developer';

// A published SmartApp that tries everything SECURITY.md "Tenancy and the sandbox" forbids.
const HOSTILE = smartAppSource({
  name: 'Hostile',
  mappings: `{
    '/ping': { GET: 'ping' },
    '/loop': { GET: 'loop' },
    '/memory': { GET: 'memory' },
    '/recursion': { GET: 'recursion' },
    '/huge': { GET: 'huge' },
    '/escape': { GET: 'escape' },
    '/escape-raw': { GET: 'escapeRaw' },
    '/pollute': { GET: 'pollute' },
    '/polluted': { GET: 'polluted' },
    '/proto-result': { GET: 'protoResult' },
    '/proto-state': { GET: 'protoState' },
    '/throw/:what': { GET: 'throwIt' },
    '/return/:what': { GET: 'returnIt' },
    '/reach/:target': { GET: 'reach' },
    '/reach-command': { GET: 'reachCommand' },
    '/state': { GET: 'readState', PUT: 'writeState' },
  }`,
  handlers: `
    ping(ctx) { return { pong: true } },
    loop(ctx) { ctx.log.info('spinning'); while (true) {} },
    // 100 kB strings fill the 16 MB cap in a few ms, long before the CPU deadline even on a loaded machine
    memory(ctx) { const keep = []; for (let i = 0; ; i++) keep.push('x'.repeat(100000) + i) },
    recursion(ctx) { const f = (n) => f(n + 1) + 1; return f(0) },
    huge(ctx) { return 'x'.repeat(3 * 1024 * 1024) },
    escape(ctx) {
      const attempt = (f) => { try { return typeof f() } catch (e) { return e.name } };
      return {
        process: attempt(() => this.constructor.constructor('return process')()),
        require: attempt(() => ctx.constructor.constructor('return require')()),
        viaLog: attempt(() => ctx.log.info.constructor('return process')()),
        globals: ['process', 'require', 'module', 'global', 'Buffer', 'fetch', 'setTimeout'].filter((n) => typeof globalThis[n] !== 'undefined'),
      };
    },
    escapeRaw(ctx) { return this.constructor.constructor('return process')().env },
    pollute(ctx) {
      Object.prototype.polluted = 'yes';
      Array.prototype.polluted = 'yes';
      const tryIt = (f) => { try { f() } catch (e) {} };
      tryIt(() => { ctx.params.__proto__.polluted = 'yes' });
      tryIt(() => { Object.getPrototypeOf(ctx.settings).isAdmin = true });
      tryIt(() => { ctx.state.__proto__.isAdmin = true });
      tryIt(() => { ctx.settings.switches[0].__proto__.on = () => 'hijacked' });
      tryIt(() => { JSON.parse = () => ({ hijacked: true }) });
      ctx.state.kept = 'ok';
      return { ok: true };
    },
    polluted(ctx) { return [({}).polluted, [].polluted, ({}).isAdmin, ctx.state.kept, JSON.parse('{"a":1}').a] },
    protoResult(ctx) { return JSON.parse('{"__proto__": {"isAdmin": true}}') },
    protoState(ctx) { ctx.state.evil = JSON.parse('{"__proto__": {"isAdmin": true}}') },
    throwIt(ctx) {
      const what = ctx.params.what;
      if (what === 'string') throw 'boom';
      if (what === 'number') throw 42;
      if (what === 'null') throw null;
      if (what === 'undefined') throw undefined;
      if (what === 'object') throw { message: 5, toString() { throw new Error('gotcha') } };
      if (what === 'rejection') return Promise.reject('async boom');
      if (what === 'symbol') throw Symbol('s');
      throw new Error('plain');
    },
    returnIt(ctx) {
      const what = ctx.params.what;
      if (what === 'function') return function () {};
      if (what === 'symbol') return Symbol('s');
      if (what === 'bigint') return 10n;
      if (what === 'circular') { const o = {}; o.self = o; return o }
      if (what === 'getter') return { get boom() { throw new Error('getter') } };
      if (what === 'infinity') return Infinity;
      return undefined;
    },
    reach(ctx) {
      const forged = Object.freeze({ id: ctx.params.target, label: 'forged', on() {} });
      forged.on();
      ctx.subscribe(forged, 'switch', 'ping');
    },
    reachCommand(ctx) { ctx.settings.switches[0].setLevel(5) },
    readState(ctx) { return ctx.state },
    writeState(ctx) { ctx.state.secret = ctx.body.secret; return ctx.state },
  `,
});

describe('a hostile SmartApp over HTTP: every abuse fails alone while other installations keep being answered', () => {
  let t: TestApp;
  let app: OAuthApp;
  let hostile: { accessToken: string; installationId: string; base: string };
  let neighbour: { accessToken: string; installationId: string; base: string };
  let bridge: { access_token: string; installation_id: string };

  beforeAll(async () => {
    t = await startTestApp({ SANDBOX_CPU_MS: '200', SANDBOX_MEMORY_MB: '16' });
    app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, HOSTILE);
    hostile = await install(t.http, app, DEMO_USER, 'Home', ['Kitchen Light']);
    neighbour = await install(t.http, app, DEMO_USER, 'Cabin', ['Cabin Light']);
    bridge = (await connect(t.http, DEMO_USER, 'Home', (page) => ({ switches: optionValue(page, 'Porch Light') }))).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: { accessToken: string; base: string }, path: string) => request(t.http).get(`${who.base}${path}`).set('Authorization', `Bearer ${who.accessToken}`);

  /** The hostile call and, at the same time, a normal call of another installation (Device Bridge); `finished` is their order. */
  async function racedWithNeighbour(path: string): Promise<{ bad: request.Response; finished: string[] }> {
    const finished: string[] = [];
    const [bad, normal] = await Promise.all([
      call(hostile, path).then((res) => {
        finished.push('hostile');
        return res;
      }),
      request(t.http)
        .get(`/api/smartapps/installations/${bridge.installation_id}/switches`)
        .set('Authorization', `Bearer ${bridge.access_token}`)
        .then((res) => {
          finished.push('neighbour');
          return res;
        }),
    ]);
    expect(normal.status).toBe(200);
    expect(normal.body).toEqual([{ id: expect.any(String), name: 'Porch Light', value: 'off' }]);
    return { bad, finished };
  }

  const withNeighbour = async (path: string): Promise<request.Response> => (await racedWithNeighbour(path)).bad;

  async function lastError(): Promise<string> {
    const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id, `?installation=${hostile.installationId}`);
    return lines.filter((l) => l.level === 'error').pop()?.message ?? '';
  }

  it('stops an infinite loop at the CPU deadline with 504 SmartAppTimeout, answering the neighbour while it spins', async () => {
    const { bad: res, finished } = await racedWithNeighbour('/loop');
    expect(finished).toEqual(['neighbour', 'hostile']);
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ error: true, type: 'SmartAppTimeout', message: expect.any(String), errorId: expect.any(String) });
    expect(await lastError()).toContain(`[${res.body.errorId}] mapping loop failed (timeout)`);
    await call(neighbour, '/ping').expect(200, { pong: true });
  });

  it('stops a memory bomb with 500 SmartAppError and an error id found only in the author’s logs', async () => {
    const res = await withNeighbour('/memory');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: true, type: 'SmartAppError', message: expect.any(String), errorId: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/memory|MiB/);
    expect(await lastError()).toContain(`[${res.body.errorId}] mapping memory failed (memory)`);
  });

  it('stops deep recursion with 500', async () => {
    const res = await withNeighbour('/recursion');
    expect(res.status).toBe(500);
    expect(res.body.type).toBe('SmartAppError');
  });

  it('refuses a result larger than the result limit with 500', async () => {
    const res = await withNeighbour('/huge');
    expect(res.status).toBe(500);
    expect(await lastError()).toContain('(invalid_result)');
  });

  it('gives nothing through this.constructor.constructor("return process")()', async () => {
    const res = await withNeighbour('/escape');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ process: 'ReferenceError', require: 'ReferenceError', viaLog: 'ReferenceError', globals: [] });
    const raw = await withNeighbour('/escape-raw');
    expect(raw.status).toBe(500);
    expect(await lastError()).toContain('ReferenceError');
    expect(raw.text).not.toContain('process');
  });

  it('keeps prototype pollution inside the installation that did it', async () => {
    const res = await withNeighbour('/pollute');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    // the polluter's warm session keeps its own globals (docs/authoring.md); no other installation sees them
    const own = await call(hostile, '/polluted').expect(200);
    expect([[null, null, null, 'ok', 1], ['yes', 'yes', true, 'ok', null]]).toContainEqual(own.body);
    await call(neighbour, '/polluted').expect(200, [null, null, null, null, 1]);
    const host: Record<string, unknown> = {};
    expect(host.polluted).toBeUndefined();
    expect(host.isAdmin).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    // a "__proto__" key in a result or in the state is refused, never merged on the host
    // (asked of the clean neighbour: the polluter replaced its own JSON.parse)
    expect((await call(neighbour, '/proto-result')).status).toBe(500);
    expect((await call(neighbour, '/proto-state')).status).toBe(500);
    expect(host.isAdmin).toBeUndefined();
    await call(hostile, '/state').expect(200, { kept: 'ok' });
  });

  it.each(['string', 'number', 'null', 'undefined', 'object', 'rejection', 'symbol'])('answers a thrown non-Error (%s) with 500 and logs it', async (what) => {
    const res = await withNeighbour(`/throw/${what}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: true, type: 'SmartAppError', message: expect.any(String), errorId: expect.any(String) });
    expect(await lastError()).toContain(`[${res.body.errorId}] mapping throwIt failed`);
  });

  it.each(['function', 'symbol', 'bigint', 'circular', 'getter'])('answers a non-JSON return value (%s) with 500', async (what) => {
    const res = await withNeighbour(`/return/${what}`);
    expect(res.status).toBe(500);
    expect(res.body.type).toBe('SmartAppError');
  });

  it('answers the JSON forms of odd values as JSON does (Infinity → null, undefined → 204)', async () => {
    const infinity = await withNeighbour('/return/infinity');
    expect(infinity.status).toBe(200);
    expect(infinity.text).toBe('null');
    expect((await withNeighbour('/return/nothing')).status).toBe(204);
  });

  it('reaches no device it was not granted: nothing happens and the attempt is in the logs', async () => {
    const porch = await t.db.getRepository(Device).findOneByOrFail({ label: 'Porch Light' });
    const kitchen = await t.db.getRepository(Device).findOneByOrFail({ label: 'Kitchen Light' });
    const eventsBefore = await t.db.getRepository(DeviceEvent).count();
    const forged = await withNeighbour(`/reach/${porch.id}`);
    expect(forged.status).toBe(500);
    expect(await lastError()).toContain('ctx.subscribe: devices must be a device from ctx.settings');
    // Kitchen Light is granted as a switch: its switchLevel command is not there
    const command = await withNeighbour('/reach-command');
    expect(command.status).toBe(500);
    expect(await lastError()).toMatch(/TypeError: .*not a function/);
    expect((await t.db.getRepository(Device).findOneByOrFail({ id: porch.id })).state).toEqual(porch.state);
    expect((await t.db.getRepository(Device).findOneByOrFail({ id: kitchen.id })).state).toEqual(kitchen.state);
    expect(await t.db.getRepository(DeviceEvent).count()).toBe(eventsBefore);
  });

  it('keeps one installation’s state invisible to another installation of the same SmartApp', async () => {
    const written = await request(t.http).put(`${hostile.base}/state`).set('Authorization', `Bearer ${hostile.accessToken}`).send({ secret: 'only-for-home' }).expect(200);
    expect(written.body.secret).toBe('only-for-home');
    const other = await call(neighbour, '/state').expect(200);
    expect(other.body).toEqual({});
    await request(t.http).put(`${neighbour.base}/state`).set('Authorization', `Bearer ${neighbour.accessToken}`).send({ secret: 'only-for-cabin' }).expect(200);
    expect((await call(hostile, '/state').expect(200)).body.secret).toBe('only-for-home');
    expect((await call(neighbour, '/state').expect(200)).body).toEqual({ secret: 'only-for-cabin' });
    // and a token reaches only its own installation
    await request(t.http).get(`${neighbour.base}/state`).set('Authorization', `Bearer ${hostile.accessToken}`).expect(403);
  });

  it('is still healthy after all of it', async () => {
    await call(hostile, '/ping').expect(200, { pong: true });
    await call(neighbour, '/ping').expect(200, { pong: true });
  });
});
