import { Logger } from '@nestjs/common';
import { QuickJsEngine } from './sandbox.engine';
import { SandboxService } from './sandbox.service';
import { snapshotWith, switchDevice } from './sandbox.testing';
import type { Effects, HandlerRef, SandboxLimits, SandboxResult, Snapshot } from './sandbox.types';

const withHandler = (handler: string): string => `export default { handlers: { ${handler} } }`;
const mapping = (name: string): HandlerRef => ({ kind: 'mapping', name });
const SMALL_MEMORY = 16 * 1024 * 1024;
const SHORT_CPU_MS = 300;

function effectsOf(result: SandboxResult): Effects {
  if (!result.ok) {
    throw new Error(`expected a successful run, got ${result.error.kind}: ${result.error.message}`);
  }
  return result.effects;
}

function errorOf(result: SandboxResult): { kind: string; message: string } {
  if (result.ok) {
    throw new Error(`expected a failed run, got ${JSON.stringify(result.effects.response)}`);
  }
  return result.error;
}

/** Lets the service prepare its spare session, so the next call is served by it. */
const idle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const HEALTHY = withHandler(`ping(ctx) { ctx.log.info('pong'); ctx.state.pinged = true; return { ok: true, id: ctx.installationId } }`);

describe('SandboxService hardening', () => {
  const service = new SandboxService();

  const run = (source: string, handler: HandlerRef = mapping('bad'), snapshot: Snapshot = snapshotWith(), limits?: Partial<SandboxLimits>): Promise<SandboxResult> =>
    service.run({ versionKey: 'v1', source, handler, snapshot, limits });

  async function expectHealthyRunAfterwards(limits?: Partial<SandboxLimits>): Promise<void> {
    // once right away (fresh session) and once from the spare prepared after the abuse
    effectsOf(await run(HEALTHY, mapping('ping'), snapshotWith(), limits));
    await idle();
    const effects = effectsOf(await run(HEALTHY, mapping('ping'), snapshotWith(), limits));
    expect(effects.response).toEqual({ kind: 'value', value: { ok: true, id: 'installation-1' } });
    expect(effects.logs).toEqual([{ level: 'info', message: 'pong' }]);
  }

  afterEach(() => {
    // no session in this file may break its engine: every handle was disposed, even after abuse
    expect(service.stats().enginesDiscarded).toBe(0);
  });
  afterAll(() => service.onModuleDestroy());

  describe('host access', () => {
    it('offers no host globals inside the sandbox', async () => {
      const names = ['require', 'process', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'module', 'exports', 'global', 'Buffer', 'console', 'hostLog', 'hostHttpError', 'createSandboxPrelude'];
      const source = withHandler(`bad(ctx) { return [${names.map((n) => `typeof ${n}`).join(', ')}] }`);
      expect(effectsOf(await run(source)).response).toEqual({ kind: 'value', value: names.map(() => 'undefined') });
    });

    it('gives nothing usable through this.constructor.constructor', async () => {
      const source = withHandler(`
        bad(ctx) {
          const attempt = (f) => { try { return typeof f() } catch (e) { return e.name } }
          const g = ctx.log.info.constructor('return this')()
          return [attempt(() => this.constructor.constructor('return process')()), attempt(() => ctx.constructor.constructor('return require')()),
                  typeof g.process, typeof g.require, g === globalThis]
        }`);
      expect(effectsOf(await run(source)).response).toEqual({ kind: 'value', value: ['ReferenceError', 'ReferenceError', 'undefined', 'undefined', true] });
    });

    it('lets eval and Function run, inside QuickJS only', async () => {
      const source = withHandler(`bad(ctx) { return [eval('1 + 1'), new Function('a', 'return a * 2')(21), eval('typeof process')] }`);
      expect(effectsOf(await run(source)).response).toEqual({ kind: 'value', value: [2, 42, 'undefined'] });
    });
  });

  describe('CPU', () => {
    it('stops an infinite loop at the CPU deadline', async () => {
      const startedAt = Date.now();
      const result = await run(withHandler(`bad(ctx) { ctx.log.info('spinning'); while (true) {} }`), mapping('bad'), snapshotWith(), { cpuMs: SHORT_CPU_MS });
      const elapsed = Date.now() - startedAt;
      expect(result).toEqual({ ok: false, error: { kind: 'timeout', message: `Execution exceeded the CPU limit of ${SHORT_CPU_MS} ms` }, logs: [{ level: 'info', message: 'spinning' }] });
      expect(elapsed).toBeGreaterThanOrEqual(SHORT_CPU_MS - 5);
      expect(elapsed).toBeLessThan(SHORT_CPU_MS + 700);
    });

    it.each([
      ['a loop inside try/catch', `bad(ctx) { for (;;) { try { while (true) {} } catch (e) {} } }`],
      ['an endless chain of awaits', `async bad(ctx) { for (;;) await null }`],
      ['a loop in a toJSON of the result', `bad(ctx) { return { toJSON() { while (true) {} } } }`],
      ['a loop in a getter of ctx.state', `bad(ctx) { Object.defineProperty(ctx.state, 'x', { enumerable: true, get() { for (;;) {} } }) }`],
      ['a loop at module top level', `while (true) {}`],
    ])('times out %s', async (_what, body) => {
      const source = body.startsWith('while') ? `${body}\nexport default {}` : withHandler(body);
      expect(errorOf(await run(source, mapping('bad'), snapshotWith(), { cpuMs: SHORT_CPU_MS })).kind).toBe('timeout');
      await expectHealthyRunAfterwards();
    });
  });

  describe('memory', () => {
    it('stops a growing array of strings at the memory limit', async () => {
      const result = await run(
        withHandler(`bad(ctx) { ctx.log.info('allocating'); const keep = []; for (let i = 0; ; i++) keep.push('x'.repeat(1000) + i) }`),
        mapping('bad'),
        snapshotWith(),
        { memoryBytes: SMALL_MEMORY, cpuMs: 5000 },
      );
      expect(result).toEqual({ ok: false, error: { kind: 'memory', message: 'Execution exceeded the memory limit of 16 MiB' }, logs: [{ level: 'info', message: 'allocating' }] });
      await expectHealthyRunAfterwards({ memoryBytes: SMALL_MEMORY });
    });

    it.each([
      ['an exhausted memory that the handler catches', `bad(ctx) { const keep = []; try { for (let i = 0; ; i++) keep.push('x'.repeat(1000) + i) } catch (e) { keep.length = 0; return 'survived' } }`],
      ['a Map of objects', `bad(ctx) { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i }) }`],
      ['typed arrays', `bad(ctx) { const keep = []; for (;;) keep.push(new Uint8Array(1 << 20)) }`],
      ['one huge string', `bad(ctx) { return 'x'.repeat(1 << 28).length }`],
      ['a growing string', `bad(ctx) { let s = ''; for (let i = 0; ; i++) s = s + 'x'.repeat(2000) + i }`],
      ['garbage at module top level', `const keep = []; for (;;) keep.push({ a: [1, 2, 3] })`],
    ])('fails %s as memory', async (_what, body) => {
      const source = body.startsWith('const keep') ? `${body}\nexport default {}` : withHandler(body);
      expect(errorOf(await run(source, mapping('bad'), snapshotWith(), { memoryBytes: SMALL_MEMORY, cpuMs: 5000 })).kind).toBe('memory');
      await expectHealthyRunAfterwards({ memoryBytes: SMALL_MEMORY });
    });
  });

  describe('stack', () => {
    it.each([
      ['plain recursion', `bad(ctx) { const f = (n) => f(n + 1) + 1; return f(0) }`],
      ['recursion through getters', `bad(ctx) { const o = { get x() { return this.x + 1 } }; return o.x }`],
      ['recursion through toString', `bad(ctx) { const o = { toString() { return String(o) } }; return String(o) }`],
      ['mutual recursion', `bad(ctx) { const ping = (n) => pong(n + 1); const pong = (n) => ping(n + 1); return ping(0) }`],
    ])('fails %s as an exception without crashing', async (_what, body) => {
      expect(errorOf(await run(withHandler(body)))).toMatchObject({ kind: 'exception', message: 'InternalError: stack overflow' });
      await expectHealthyRunAfterwards();
    });

    it('lets a handler catch its own stack overflow', async () => {
      const source = withHandler(`bad(ctx) { const f = (n) => f(n + 1); try { f(0) } catch (e) { return e.message } }`);
      expect(effectsOf(await run(source)).response).toEqual({ kind: 'value', value: 'stack overflow' });
    });
  });

  describe('results', () => {
    it('rejects a huge string result as invalid_result', async () => {
      const error = errorOf(await run(withHandler(`bad(ctx) { return 'x'.repeat(2 * 1024 * 1024) }`)));
      expect(error).toEqual({ kind: 'invalid_result', message: "The handler's return value is more than 1048576 bytes as JSON" });
    });

    it('rejects a result whose size only shows in UTF-8 bytes', async () => {
      const error = errorOf(await run(withHandler(`bad(ctx) { return 'é'.repeat(40) }`), mapping('bad'), snapshotWith(), { maxResultBytes: 60 }));
      expect(error).toEqual({ kind: 'invalid_result', message: "The handler's return value is more than 60 bytes as JSON" });
    });

    it('rejects a forged command for a device the snapshot does not grant', async () => {
      // Array.prototype.toJSON rewrites how the prelude's record lists serialise
      const source = withHandler(`
        bad(ctx) {
          ctx.settings.lamp.on()
          Array.prototype.toJSON = function () { return this.length === 1 && this[0].command ? [{ deviceId: 'front-door', inputName: 'lamp', command: 'unlock', args: [] }] : Array.from(this) }
        }`);
      const snapshot = snapshotWith({ deviceInputs: { lamp: { multiple: false, devices: [switchDevice('lamp-1', 'Lamp')] } } });
      const error = errorOf(await run(source, mapping('bad'), snapshot));
      expect(error.kind).toBe('invalid_result');
      expect(error.message).toBe('The run recorded command unlock on device front-door (input lamp), which the snapshot does not offer');
    });
  });

  describe('isolation', () => {
    it('keeps prototype pollution inside the run that did it', async () => {
      const polluter = withHandler(`
        bad(ctx) {
          Object.prototype.polluted = 1
          ctx.settings.__proto__.x = 1
          ;({}).__proto__.toJSON = function () { return 'hacked' }
          Array.prototype.map = null
          JSON.parse = () => 'hacked'
          return 'done'
        }`);
      const polluted = await run(polluter, mapping('bad'), snapshotWith({ settings: { a: 1 } }));
      expect(polluted.ok).toBe(false);
      const probe = withHandler(`
        bad(ctx) {
          return ['polluted' in {}, 'x' in {}, 'toJSON' in {}, typeof [].map, JSON.parse('{"a":1}').a, ctx.settings.a]
        }`);
      const clean = effectsOf(await run(probe, mapping('bad'), snapshotWith({ installationId: 'installation-2', settings: { a: 2 } })));
      expect(clean.response).toEqual({ kind: 'value', value: [false, false, false, 'function', 1, 2] });
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(Object.prototype).not.toHaveProperty('x');
      expect(Object.prototype).not.toHaveProperty('toJSON');
    });

    it('never shares module-level variables or globals between runs', async () => {
      const source = `
        let counter = 0
        export default { handlers: { bump(ctx) { counter++; globalThis.lastInstallation = globalThis.lastInstallation || ctx.installationId; return [counter, globalThis.lastInstallation] } } }`;
      const first = effectsOf(await run(source, mapping('bump'), snapshotWith({ installationId: 'installation-1' })));
      const other = effectsOf(await run(source, mapping('bump'), snapshotWith({ installationId: 'installation-2' })));
      const again = effectsOf(await run(source, mapping('bump'), snapshotWith({ installationId: 'installation-1' })));
      expect([first.response, other.response, again.response]).toEqual([
        { kind: 'value', value: [1, 'installation-1'] },
        { kind: 'value', value: [1, 'installation-2'] },
        { kind: 'value', value: [1, 'installation-1'] },
      ]);
    });

    it('keeps runs apart when prepared spare sessions serve them', async () => {
      const source = `
        let counter = 0
        export default { handlers: { bump(ctx) { counter++; Object.prototype.seen = (Object.prototype.seen || 0) + 1; return [counter, ({}).seen] } } }`;
      const usedBefore = service.stats().spareSessionsUsed;
      const responses = [];
      for (const installationId of ['installation-1', 'installation-2', 'installation-1']) {
        await idle();
        responses.push(effectsOf(await run(source, mapping('bump'), snapshotWith({ installationId }))).response);
      }
      expect(responses).toEqual([1, 2, 3].map(() => ({ kind: 'value', value: [1, 1] })));
      expect(service.stats().spareSessionsUsed - usedBefore).toBe(3);
    });

    it('shows one installation only its own state', async () => {
      const source = withHandler(`bad(ctx) { const seen = ctx.state.secret; ctx.state.secret = ctx.installationId; return seen === undefined ? null : seen }`);
      const first = effectsOf(await run(source, mapping('bad'), snapshotWith({ installationId: 'installation-1', state: {} })));
      const second = effectsOf(await run(source, mapping('bad'), snapshotWith({ installationId: 'installation-2', state: {} })));
      expect(first.state).toEqual({ secret: 'installation-1' });
      expect(second.response).toEqual({ kind: 'value', value: null });
    });
  });

  it('runs normally right after each kind of abuse', async () => {
    const abuses: [string, Partial<SandboxLimits>][] = [
      [withHandler(`bad(ctx) { while (true) {} }`), { cpuMs: 100 }],
      [withHandler(`bad(ctx) { const keep = []; for (;;) keep.push('y'.repeat(4096)) }`), { memoryBytes: SMALL_MEMORY, cpuMs: 5000 }],
      [withHandler(`bad(ctx) { const f = () => f(); f() }`), {}],
      [withHandler(`bad(ctx) { throw null }`), {}],
      [withHandler(`bad(ctx) { return 'z'.repeat(3 << 20) }`), {}],
      ['export default {', {}],
    ];
    for (const [source, limits] of abuses) {
      expect((await run(source, mapping('bad'), snapshotWith(), limits)).ok).toBe(false);
      await expectHealthyRunAfterwards(limits);
    }
  });

  it('disposes every handle across many runs of every outcome', async () => {
    const sources = [
      HEALTHY,
      withHandler(`bad(ctx) { throw new Error('x') }`),
      withHandler(`async bad(ctx) { await null; return [1, 2, 3] }`),
      withHandler(`bad(ctx) { ctx.httpError(418, 'teapot') }`),
      withHandler(`bad(ctx) { return () => 1 }`),
      'export default 5',
    ];
    for (let i = 0; i < 60; i++) {
      const source = sources[i % sources.length];
      await run(source, source === HEALTHY ? mapping('ping') : mapping('bad'));
    }
    await expectHealthyRunAfterwards();
    expect(service.stats()).toMatchObject({ enginesDiscarded: 0 });
  });
});

describe('SandboxService engine recovery', () => {
  it('survives a native stack overflow by replacing the engine', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const service = new SandboxService();
    const snapshot = snapshotWith();
    // JSON.stringify recurses in C with frames QuickJS's own stack check does not see
    const source = withHandler(`bad(ctx) { let a = []; for (let i = 0; i < 200000; i++) a = [a]; return JSON.stringify(a).length }`);
    // a generous deadline: building the nesting must never hit it on a loaded machine before the stack breaks
    const crashed = await service.run({ versionKey: 'v1', source, handler: mapping('bad'), snapshot, limits: { cpuMs: 20_000 } });
    expect(crashed).toEqual({ ok: false, error: { kind: 'exception', message: 'The SmartApp exhausted the sandbox stack (recursion or nesting too deep)' }, logs: [] });
    const healthy = await service.run({ versionKey: 'v1', source: HEALTHY, handler: mapping('ping'), snapshot });
    expect(effectsOf(healthy).response).toEqual({ kind: 'value', value: { ok: true, id: 'installation-1' } });
    expect(service.stats()).toMatchObject({ enginesCreated: 2, enginesDiscarded: 1 });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Discarded a QuickJS engine after a host-side failure'));
    warn.mockRestore();
    await service.onModuleDestroy();
  });

  it('relies on QuickJS refusing to free a runtime that still holds handles', async () => {
    // the leak check behind the service's enginesDiscarded counter, on a throwaway engine (the failed free breaks it);
    // emscripten binds console.error when the engine loads, so the spy goes first
    const abortReport = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const engine = await QuickJsEngine.create(SMALL_MEMORY);
    const runtime = engine.module.newRuntime();
    const vm = runtime.newContext();
    vm.newObject();
    expect(() => {
      vm.dispose();
      runtime.dispose();
    }).toThrow(/list_empty\(&rt->gc_obj_list\)/);
    expect(abortReport).toHaveBeenCalledWith(expect.stringContaining('list_empty(&rt->gc_obj_list)'));
    abortReport.mockRestore();
  });
});
