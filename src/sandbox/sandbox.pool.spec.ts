import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox.limits';
import { PoolOutcome, SandboxWorkerPool } from './sandbox.pool';
import type { Tenant } from './sandbox.fairness';
import { mergePoolOptions, type SandboxPoolSettings } from './sandbox.pool-options';
import type { SandboxCall } from './sandbox.protocol';

// A stand-in for sandbox.worker.ts that speaks the same protocol and obeys the "source" of an
// inspect call: `wait:<ms>:<tag>` answers after ms, `hang` never answers, `exit` and `throw` die.
const FAKE_WORKER = `
const { parentPort } = require('node:worker_threads');
const stats = { enginesCreated: 1, enginesDiscarded: 0, spareSessionsUsed: 0, warmSessionsUsed: 0 };
parentPort.on('message', (text) => {
  const call = JSON.parse(text);
  const [command, ms] = call.source.split(':');
  if (command === 'hang') { for (;;) {} }
  if (command === 'exit') { process.exit(3); }
  if (command === 'throw') { throw new Error('boom'); }
  const result = { call: 'inspect', result: { ok: false, errors: [{ path: 'source', message: call.source }] } };
  setTimeout(() => parentPort.postMessage({ type: 'done', id: call.id, result, stats }), Number(ms));
});
parentPort.postMessage({ type: 'ready' });
`;

const fakeWorker = (): Worker => new Worker(FAKE_WORKER, { eval: true });
const brokenWorker = (): Worker => new Worker(`throw new Error('cannot start')`, { eval: true });

const call = (source: string, cpuMs = 1000): SandboxCall => ({ call: 'inspect', source, limits: { ...DEFAULT_SANDBOX_LIMITS, cpuMs } });

/** The source a fake worker echoed back. */
function echoOf(outcome: PoolOutcome): string {
  if (outcome.kind !== 'done' || outcome.result.call !== 'inspect' || outcome.result.result.ok) {
    throw new Error(`expected an echo, got ${JSON.stringify(outcome)}`);
  }
  return outcome.result.result.errors[0].message;
}

describe('SandboxWorkerPool', () => {
  const pools: SandboxWorkerPool[] = [];
  const poolOf = (workers: number, graceMs = 100, spawn = fakeWorker): SandboxWorkerPool => {
    const pool = new SandboxWorkerPool(mergePoolOptions({ workers, graceMs }), spawn);
    pools.push(pool);
    return pool;
  };
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it('answers calls beyond the number of workers in the order they came', async () => {
    const pool = poolOf(1);
    const answered: string[] = [];
    const tags = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(tags.map((tag) => pool.execute(call(`wait:5:${tag}`)).then((outcome) => answered.push(echoOf(outcome)))));
    expect(answered).toEqual(tags.map((tag) => `wait:5:${tag}`));
  });

  it('runs as many calls at once as it has workers, and queues the rest', async () => {
    const pool = poolOf(2);
    await Promise.all([pool.execute(call('wait:0:warm')), pool.execute(call('wait:0:warm'))]);
    const started = performance.now();
    const finishedAt = (outcome: PoolOutcome): number => {
      echoOf(outcome);
      return performance.now() - started;
    };
    const times = await Promise.all(['wait:200:1', 'wait:200:2', 'wait:200:3'].map((source) => pool.execute(call(source)).then(finishedAt)));
    // the first two ran side by side; the third waited for one of them
    expect(Math.max(times[0], times[1])).toBeLessThan(390);
    expect(times[2]).toBeGreaterThanOrEqual(395);
  });

  it('terminates a worker silent past cpuMs + graceMs, fails its call as hung and serves the next call on a replacement', async () => {
    const pool = poolOf(1, 100);
    expect(echoOf(await pool.execute(call('wait:0:first')))).toBe('wait:0:first');
    const started = performance.now();
    expect(await pool.execute(call('hang', 150))).toEqual({ kind: 'failed', failure: 'hung', quarantines: [] });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(245);
    expect(elapsed).toBeLessThan(1500);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('did not answer within 250 ms and was terminated'));
    // the hung worker spins forever: only a new worker can answer
    expect(echoOf(await pool.execute(call('wait:0:after')))).toBe('wait:0:after');
    // its engine went with it
    expect(pool.stats()).toEqual({ enginesCreated: 2, enginesDiscarded: 1, spareSessionsUsed: 0, warmSessionsUsed: 0 });
  });

  it.each(['exit', 'throw'])('fails the call of a worker that dies (%s) as crashed and replaces the worker', async (death) => {
    const pool = poolOf(1);
    expect(await pool.execute(call(death))).toEqual({ kind: 'failed', failure: 'crashed', quarantines: [] });
    expect(echoOf(await pool.execute(call('wait:0:after')))).toBe('wait:0:after');
  });

  it('keeps serving calls queued behind a call whose worker died', async () => {
    const pool = poolOf(1);
    const [dead, next] = await Promise.all([pool.execute(call('exit')), pool.execute(call('wait:0:next'))]);
    expect(dead).toEqual({ kind: 'failed', failure: 'crashed', quarantines: [] });
    expect(echoOf(next)).toBe('wait:0:next');
  });

  it('fails calls instead of waiting forever when no worker can start', async () => {
    const pool = poolOf(2, 100, brokenWorker);
    expect(await pool.execute(call('wait:0:x'))).toEqual({ kind: 'failed', failure: 'crashed', quarantines: [] });
    expect(await pool.execute(call('wait:0:y'))).toEqual({ kind: 'failed', failure: 'crashed', quarantines: [] });
    expect(error).toHaveBeenCalledWith(expect.stringContaining('before it was ready'));
  });

  it('fails pending calls as stopped when closed, and starts new workers for a later call', async () => {
    const pool = poolOf(1);
    const running = pool.execute(call('wait:5000:running'));
    const queued = pool.execute(call('wait:0:queued'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    expect(await Promise.all([running, queued])).toEqual([
      { kind: 'failed', failure: 'stopped', quarantines: [] },
      { kind: 'failed', failure: 'stopped', quarantines: [] },
    ]);
    expect(echoOf(await pool.execute(call('wait:0:again')))).toBe('wait:0:again');
  });

  describe('with tenants (the FairScheduler in front of the workers)', () => {
    const tenant = (installationId: string, appId = 'app'): Tenant => ({ installationId, appId, versionKey: `${appId}-v1`, metered: true });
    const fairPool = (workers: number, fairness: SandboxPoolSettings['fairness']): SandboxWorkerPool => {
      const pool = new SandboxWorkerPool(mergePoolOptions({ workers, graceMs: 100, fairness }), fakeWorker);
      pools.push(pool);
      return pool;
    };

    it('refuses a call beyond the installation queue at once, while the others still run', async () => {
      const pool = fairPool(1, { perInstallationConcurrency: 1, perInstallationQueue: 1 });
      // the worker is up, so the first call runs rather than waits
      echoOf(await pool.execute(call('wait:0:boot'), tenant('boot')));
      const first = pool.execute(call('wait:100:first'), tenant('a'));
      const second = pool.execute(call('wait:0:second'), tenant('a'));
      expect(await pool.execute(call('wait:0:third'), tenant('a'))).toEqual({ kind: 'refused', refusal: expect.objectContaining({ reason: 'queue_full', retryAfterSeconds: 1 }) });
      expect(echoOf(await first)).toBe('wait:100:first');
      expect(echoOf(await second)).toBe('wait:0:second');
    });

    it('keeps a worker free for other SmartApps while one SmartApp has calls waiting', async () => {
      const pool = fairPool(2, { perInstallationConcurrency: 2 });
      const hostile = [1, 2, 3].map((i) => pool.execute(call(`wait:300:h${i}`), tenant(`h${i}`, 'hostile')));
      // the normal call is answered before the hostile SmartApp's second call even starts
      const order: string[] = [];
      const normal = pool.execute(call('wait:0:normal'), tenant('n', 'normal')).then((outcome) => order.push(echoOf(outcome)));
      await Promise.all([normal, ...hostile.map((h) => h.then((outcome) => order.push(echoOf(outcome))))]);
      expect(order[0]).toBe('wait:0:normal');
    });

    it("quarantines an installation whose calls its worker had to be terminated for, and says so with the kill's outcome", async () => {
      const pool = fairPool(1, { quarantineAfterKills: 1, quarantineBaseMs: 60_000 });
      const killed = await pool.execute(call('hang', 50), tenant('spinner'));
      expect(killed).toEqual({ kind: 'failed', failure: 'hung', quarantines: [expect.objectContaining({ scope: 'installation', durationMs: 60_000 })] });
      expect(await pool.execute(call('wait:0:again'), tenant('spinner'))).toEqual({ kind: 'refused', refusal: expect.objectContaining({ reason: 'quarantined' }) });
      expect(pool.usage('app')).toMatchObject({ runs: 1, timeouts: 1, refused: 1, quarantines: 1 });
    });
  });
});
