import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxService } from './sandbox.service';
import { snapshotWith, switchDevice } from './sandbox.testing';
import type { Effects, HttpPolicy, SandboxResult, Snapshot } from './sandbox.types';

const withHandler = (handler: string): string => `export default { handlers: { ${handler} } }`;

function effectsOf(result: SandboxResult): Effects {
  if (!result.ok) {
    throw new Error(`expected a successful run, got ${result.error.kind}: ${result.error.message}`);
  }
  return result.effects;
}

describe('classic ctx members in the sandbox', () => {
  const service = new SandboxService();
  let server: Server;
  let base: string;
  const hanging: (() => void)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/api/hang')) {
        // never answers until the test ends
        hanging.push(() => res.end());
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ path: req.url, method: req.method }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hanging.forEach((end) => end());
    await service.onModuleDestroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const run = (handler: string, snapshot: Snapshot = snapshotWith(), http?: HttpPolicy, cpuMs = 3000): Promise<SandboxResult> =>
    service.run({ versionKey: 'v1', source: withHandler(handler), handler: { kind: 'mapping', name: 'h' }, snapshot, limits: { cpuMs }, http });
  const policy = (): HttpPolicy => ({ prefixes: [`${base}/api/`], allowPrivateNetwork: true });

  it('reports atomicState only when the run changed it', async () => {
    const untouched = effectsOf(await run('h(ctx) { return ctx.atomicState.n }', snapshotWith({ atomicState: { n: 1 } })));
    expect(untouched.response).toEqual({ kind: 'value', value: 1 });
    expect(untouched.atomicState).toBeUndefined();
    const changed = effectsOf(await run('h(ctx) { ctx.atomicState.n += 1 }', snapshotWith({ atomicState: { n: 1 } })));
    expect(changed.atomicState).toEqual({ n: 2 });
  });

  it('parses a JSON response and hands it to both the promise and the closure', async () => {
    const effects = effectsOf(
      await run(`async h(ctx) { let seen; const r = await ctx.httpPutJson({ uri: '${base}/api/x', body: { a: 1 } }, (resp) => { seen = resp.data.method }); return [r.status, r.data, seen] }`, snapshotWith(), policy()),
    );
    expect(effects.response).toEqual({ kind: 'value', value: [200, { path: '/api/x', method: 'PUT' }, 'PUT'] });
  });

  it('keeps ctx.httpPostJson(url, body) the signed callback it was, and makes no request', async () => {
    const effects = effectsOf(await run(`h(ctx) { return ctx.httpPostJson('${base}/api/hook', { a: 1 }) === undefined }`, snapshotWith(), policy()));
    expect(effects.response).toEqual({ kind: 'value', value: true });
    expect(effects.callbacks).toEqual([{ url: `${base}/api/hook`, body: { a: 1 } }]);
  });

  it('refuses requests without a policy, and loopback under a prefix outside development', async () => {
    const handler = `async h(ctx) { try { await ctx.httpGet('${base}/api/x') } catch (e) { return e.message } }`;
    const bare = effectsOf(await run(handler));
    expect(bare.response).toEqual({ kind: 'value', value: 'ctx.httpGet: refused: loopback and private addresses are not allowed' });
    const production = effectsOf(await run(handler, snapshotWith(), { prefixes: [`${base}/api/`], allowPrivateNetwork: false }));
    expect(production.response).toEqual({ kind: 'value', value: 'ctx.httpGet: refused: loopback and private addresses are not allowed' });
    const unregistered = effectsOf(await run(`async h(ctx) { try { await ctx.httpGet('https://example.com/api/x') } catch (e) { return e.message } }`, snapshotWith(), policy()));
    expect(unregistered.response).toEqual({ kind: 'value', value: 'ctx.httpGet: refused: https://example.com/api/x is not under a callback prefix registered for the OAuth client' });
  });

  it('stops a run waiting on a response at its deadline', async () => {
    const result = await run(`async h(ctx) { await ctx.httpGet('${base}/api/hang') }`, snapshotWith(), policy(), 500);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.kind).toBe('timeout');
  });

  it('fails the run when a closure nobody awaits throws', async () => {
    const result = await run(`h(ctx) { ctx.httpGet('${base}/api/x', () => { throw new Error('in the closure') }) }`, snapshotWith(), policy());
    expect(!result.ok && result.error.message).toBe('Error: in the closure');
  });

  it('records unsubscribe(device) with only that device', async () => {
    const snapshot = snapshotWith({ deviceInputs: { switches: { multiple: true, devices: [switchDevice('sw-1', 'A'), switchDevice('sw-2', 'B')] } } });
    const effects = effectsOf(await run('h(ctx) { ctx.unsubscribe(ctx.settings.switches[1]); ctx.unsubscribe() }', snapshot));
    expect(effects.subscriptions).toEqual([{ op: 'unsubscribe', deviceIds: ['sw-2'] }, { op: 'unsubscribe' }]);
  });
});
