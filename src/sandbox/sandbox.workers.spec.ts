import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SANDBOX_POOL, SandboxService } from './sandbox.service';
import { snapshotWith } from './sandbox.testing';
import type { Effects, SandboxLimits, SandboxResult } from './sandbox.types';

const withHandler = (handler: string): string => `export default { handlers: { ${handler} } }`;
const SPIN = withHandler(`go(ctx) { while (true) {} }`);
const ECHO = withHandler(`go(ctx) { return ctx.params.n }`);
// a native search of O(haystack × needle) steps (~2^36 here): QuickJS checks its interrupt handler
// only between bytecodes, so only the pool's deadline can stop this call
const NATIVE_HANG = withHandler(`go(ctx) { return 'a'.repeat(1 << 23).indexOf('a'.repeat(1 << 13) + 'b') }`);

function effectsOf(result: SandboxResult): Effects {
  if (!result.ok) {
    throw new Error(`expected a successful run, got ${result.error.kind}: ${result.error.message}`);
  }
  return result.effects;
}

const runOn = (service: SandboxService, source: string, limits?: Partial<SandboxLimits>, n = '1'): Promise<SandboxResult> =>
  service.run({ versionKey: 'v1', source, handler: { kind: 'mapping', name: 'go' }, snapshot: snapshotWith({ params: { n } }), limits });

/** Waits until each of the service's workers has started and loaded its engine, so timings exclude start-up. */
async function untilEveryWorkerServed(service: SandboxService, workers: number): Promise<void> {
  while (service.stats().enginesCreated < workers) {
    // one short spin per worker: while one worker spins, the next call has to go to another
    await Promise.all(Array.from({ length: workers }, () => runOn(service, SPIN, { cpuMs: 30 })));
  }
}

describe('SandboxService on worker threads', () => {
  const service = new SandboxService(undefined, { workers: 2 });
  const run = (source: string, limits?: Partial<SandboxLimits>, n?: string): Promise<SandboxResult> => runOn(service, source, limits, n);

  beforeAll(() => untilEveryWorkerServed(service, 2));
  afterAll(() => service.onModuleDestroy());

  it('keeps the main event loop turning while a handler spins until its CPU deadline', async () => {
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 10);
    const finished: string[] = [];
    const started = performance.now();
    const spinning = run(SPIN, { cpuMs: 500 }).then((result) => {
      finished.push('spin');
      return result;
    });
    const normal = run(ECHO, {}, '42').then((result) => {
      finished.push('normal');
      return { result, ms: performance.now() - started };
    });
    const [spun, answered] = await Promise.all([spinning, normal]);
    const spinMs = performance.now() - started;
    clearInterval(ticker);
    expect(spun).toEqual({ ok: false, error: { kind: 'timeout', message: 'Execution exceeded the CPU limit of 500 ms' }, logs: [] });
    expect(effectsOf(answered.result).response).toEqual({ kind: 'value', value: '42' });
    // the normal run was answered during the spin, not after it
    expect(finished).toEqual(['normal', 'spin']);
    expect(answered.ms).toBeLessThan(250);
    // a blocked loop would have ticked at most once or twice in all that time
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(spinMs / 10 / 3));
  });

  it('queues runs while every worker is busy and answers all of them', async () => {
    const started = performance.now();
    const spins = [run(SPIN, { cpuMs: 300 }), run(SPIN, { cpuMs: 300 })];
    const queued = ['1', '2', '3', '4'].map((n) => run(ECHO, {}, n).then((result) => ({ result, ms: performance.now() - started })));
    for (const spun of await Promise.all(spins)) {
      expect(spun.ok ? 'ok' : spun.error.kind).toBe('timeout');
    }
    const answers = await Promise.all(queued);
    expect(answers.map(({ result }) => effectsOf(result).response)).toEqual(['1', '2', '3', '4'].map((value) => ({ kind: 'value', value })));
    // both workers were spinning when these came in
    answers.forEach(({ ms }) => expect(ms).toBeGreaterThanOrEqual(295));
  });

  it('terminates a worker stuck in native code past cpuMs + graceMs and answers the next run from its replacement', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ providers: [SandboxService, { provide: SANDBOX_POOL, useValue: { workers: 1, graceMs: 300 } }] }).compile();
    const single = moduleRef.get(SandboxService);
    await untilEveryWorkerServed(single, 1);
    const started = performance.now();
    const stuck = await runOn(single, NATIVE_HANG, { cpuMs: 100 });
    const elapsed = performance.now() - started;
    expect(stuck).toEqual({ ok: false, error: { kind: 'timeout', message: 'Execution exceeded the CPU limit of 100 ms' }, logs: [] });
    expect(elapsed).toBeGreaterThanOrEqual(395);
    expect(elapsed).toBeLessThan(2000);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('did not answer within 400 ms and was terminated'));
    // the only worker would have been stuck for more than a minute: this answer comes from a new one
    const next = performance.now();
    expect(effectsOf(await runOn(single, ECHO, {}, '7')).response).toEqual({ kind: 'value', value: '7' });
    expect(performance.now() - next).toBeLessThan(10_000);
    expect(single.stats()).toMatchObject({ enginesCreated: 2, enginesDiscarded: 1 });
    warn.mockRestore();
    await moduleRef.close();
  });

  it('never keeps the process alive while its workers are idle, even when it is not closed', () => {
    const script = `
      const { SandboxService } = require('./src/sandbox/sandbox.service');
      new SandboxService().inspect('export default {}').then((result) => console.log(JSON.stringify(result.ok)));`;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      // ts-node compiles the sandbox first: slow on a loaded machine
      timeout: 80_000,
    });
    expect({ status: child.status, stdout: child.stdout.trim() }).toEqual({ status: 0, stdout: 'true' });
  }, 90_000);
});
