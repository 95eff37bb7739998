import { SandboxExecutor } from './sandbox.executor';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox.limits';
import { DEFAULT_SANDBOX_MEMORY, mergeMemoryPolicy, spawnSandboxWorker } from './sandbox.pool-options';
import { SandboxService } from './sandbox.service';
import { snapshotWith } from './sandbox.testing';
import type { SandboxResult } from './sandbox.types';

// A WebAssembly memory never shrinks: what a call allocated stays in its engine until the engine goes.
const MODULE = `
let calls = 0;
export default { handlers: {
  count(ctx) { calls += 1; return calls },
  allocate(ctx) { const big = []; for (let i = 0; i < 24; i++) big.push('y'.repeat(1024 * 1024) + i); return big.length },
} }`;

const MiB = 1024 * 1024;

const valueOf = (result: SandboxResult): unknown => {
  if (!result.ok) {
    throw new Error(`expected a successful run, got ${result.error.kind}: ${result.error.message}`);
  }
  return result.effects.response.kind === 'value' ? result.effects.response.value : undefined;
};

const request = (installationId: string, name: string) => ({
  versionKey: 'memory-v1',
  source: MODULE,
  handler: { kind: 'mapping' as const, name },
  snapshot: snapshotWith({ installationId }),
});

describe('SandboxExecutor memory (in this thread)', () => {
  const reports: string[] = [];
  const executor = new SandboxExecutor((_level, message) => reports.push(message), 32 * MiB);
  const run = (installationId: string, name: string): Promise<SandboxResult> => executor.run(request(installationId, name), DEFAULT_SANDBOX_LIMITS, installationId);

  afterAll(() => expect(reports).toEqual([]));

  it('keeps an engine that stayed small, with its warm sessions', async () => {
    expect(valueOf(await run('inst-a', 'count'))).toBe(1);
    expect(executor.trim()).toBe(0);
    expect(valueOf(await run('inst-a', 'count'))).toBe(2);
    expect(executor.warmSessions()).toBe(1);
  });

  it('lets go of an engine that grew past the retain size, and of the sessions in it', async () => {
    expect(valueOf(await run('inst-b', 'allocate'))).toBe(24);
    expect(executor.engineMemoryBytes()).toBeGreaterThan(32 * MiB);
    expect(executor.trim()).toBe(1);
    expect(executor.engineMemoryBytes()).toBe(0);
    expect(executor.warmSessions()).toBe(0);
    // the next call builds a new engine at its first size; inst-a's module starts over
    expect(valueOf(await run('inst-a', 'count'))).toBe(1);
    expect(executor.engineMemoryBytes()).toBeLessThanOrEqual(32 * MiB);
    expect(executor.stats()).toMatchObject({ enginesCreated: 2, enginesDiscarded: 0 });
  });

  it('lets go of every engine and warm session when released (an idle worker)', async () => {
    expect(valueOf(await run('inst-c', 'count'))).toBe(1);
    executor.prepareSpare();
    expect(executor.releaseAll()).toBe(1);
    expect(executor.engineMemoryBytes()).toBe(0);
    expect(executor.warmSessions()).toBe(0);
    expect(valueOf(await run('inst-c', 'count'))).toBe(1);
    expect(executor.stats()).toMatchObject({ enginesCreated: 3, enginesDiscarded: 0 });
  });
});

describe('sandbox workers and memory', () => {
  it('replaces an engine a call grew past the retain size, before the next call, without counting it as broken', async () => {
    const service = new SandboxService(undefined, { workers: 1 });
    try {
      const run = (installationId: string, name: string) => service.run({ ...request(installationId, name), owner: { installationId, appId: 'memory-app' } });
      expect(valueOf(await run('inst-a', 'count'))).toBe(1);
      expect(valueOf(await run('inst-a', 'count'))).toBe(2);
      expect(valueOf(await run('inst-b', 'allocate'))).toBe(24);
      const before = service.stats();
      // the worker let go of the grown engine right after answering: inst-a's module starts over
      expect(valueOf(await run('inst-a', 'count'))).toBe(1);
      expect(service.stats()).toMatchObject({ enginesCreated: before.enginesCreated + 1, enginesDiscarded: 0, warmSessionsUsed: before.warmSessionsUsed });
    } finally {
      await service.onModuleDestroy();
    }
  });

  it('lets go of its warm sessions once it has been idle for idleReleaseMs', async () => {
    const service = new SandboxService(undefined, { workers: 1, memory: { idleReleaseMs: 1 } });
    try {
      const run = () => service.run({ ...request('inst-idle', 'count'), owner: { installationId: 'inst-idle', appId: 'memory-app' } });
      expect(valueOf(await run())).toBe(1);
      // each pause gives the worker's idle timer its turn; a warm session would count on (2, 3, …)
      const values: unknown[] = [];
      for (let attempt = 0; attempt < 20 && !values.includes(1); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        values.push(valueOf(await run()));
      }
      expect(values).toContain(1);
      expect(service.stats().enginesDiscarded).toBe(0);
    } finally {
      await service.onModuleDestroy();
    }
  });

  it("caps a worker's V8 heap (a host-side runaway ends that worker, never the process)", async () => {
    expect(mergeMemoryPolicy({ workerHeapMb: 1, idleReleaseMs: -5, engineRetainBytes: Number.NaN })).toEqual({ ...DEFAULT_SANDBOX_MEMORY, workerHeapMb: 32 });
    const worker = spawnSandboxWorker({ ...DEFAULT_SANDBOX_MEMORY, workerHeapMb: 600 });
    try {
      expect(worker.resourceLimits).toMatchObject({ maxOldGenerationSizeMb: 600, maxYoungGenerationSizeMb: 8 });
    } finally {
      await worker.terminate();
    }
  });
});
