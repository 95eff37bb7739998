import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox.limits';
import { PoolOutcome, SandboxWorkerPool } from './sandbox.pool';
import { mergePoolOptions } from './sandbox.pool-options';
import type { SandboxCall } from './sandbox.protocol';

// A stand-in for sandbox.worker.ts that speaks the same protocol and obeys the "source" of an
// inspect call: `wait:<ms>:<tag>` answers after ms, `hang` never answers, `exit` and `throw` die.
const FAKE_WORKER = `
const { parentPort } = require('node:worker_threads');
const stats = { enginesCreated: 1, enginesDiscarded: 0, spareSessionsUsed: 0, warmSessionsUsed: 0 };
parentPort.on('message', (call) => {
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
});
