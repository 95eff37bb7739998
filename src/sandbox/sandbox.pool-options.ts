import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_FAIRNESS, type FairnessPolicy } from './sandbox.fairness';

/** What a sandbox worker keeps in memory, and the most it may take. */
export interface SandboxMemoryPolicy {
  /** a worker that served no call for this long lets go of its warm sessions and engines (0: never) */
  idleReleaseMs: number;
  /** an engine whose WebAssembly memory grew past this is let go of after the call that grew it */
  engineRetainBytes: number;
  /** V8 heap of one worker thread (old generation), MiB: a host-side runaway ends that worker, never the process */
  workerHeapMb: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_SANDBOX_MEMORY: Readonly<SandboxMemoryPolicy> = Object.freeze({ idleReleaseMs: 60_000, engineRetainBytes: 32 * MiB, workerHeapMb: 128 });

export interface SandboxPoolOptions {
  /** worker threads running SmartApp code; calls beyond this many wait in a FIFO queue */
  workers: number;
  /** how long past a call's cpuMs a silent worker is given before it is terminated and replaced */
  graceMs: number;
  /** scheduling, budgets and quarantine (DEFAULT_FAIRNESS when not given) */
  fairness: Omit<FairnessPolicy, 'workers'>;
  /** what each worker keeps and may take (DEFAULT_SANDBOX_MEMORY when not given) */
  memory: SandboxMemoryPolicy;
}

const MAX_WORKERS = 16;

/** One worker per core (as Node sees them), at most MAX_WORKERS. */
export const DEFAULT_SANDBOX_WORKERS = Math.min(MAX_WORKERS, Math.max(1, availableParallelism()));

export const DEFAULT_SANDBOX_POOL: Readonly<SandboxPoolOptions> = Object.freeze({ workers: DEFAULT_SANDBOX_WORKERS, graceMs: 2000, fairness: DEFAULT_FAIRNESS, memory: DEFAULT_SANDBOX_MEMORY });

/** Injection token for the worker pool's options of a SandboxService (optional; DEFAULT_SANDBOX_POOL otherwise). */
export const SANDBOX_POOL = Symbol('SANDBOX_POOL');

/** What may be given for SANDBOX_POOL: any field, fairness and memory field by field. */
export type SandboxPoolSettings = Partial<Omit<SandboxPoolOptions, 'fairness' | 'memory'>> & {
  fairness?: Partial<SandboxPoolOptions['fairness']>;
  memory?: Partial<SandboxMemoryPolicy>;
};

export function mergePoolOptions(override: SandboxPoolSettings | undefined): SandboxPoolOptions {
  const merged: SandboxPoolOptions = {
    ...DEFAULT_SANDBOX_POOL,
    fairness: { ...DEFAULT_FAIRNESS, ...override?.fairness },
    memory: mergeMemoryPolicy(override?.memory),
  };
  const workers = override?.workers;
  if (typeof workers === 'number' && Number.isFinite(workers)) {
    merged.workers = Math.min(MAX_WORKERS, Math.max(1, Math.floor(workers)));
  }
  const graceMs = override?.graceMs;
  if (typeof graceMs === 'number' && Number.isFinite(graceMs)) {
    merged.graceMs = Math.max(0, Math.floor(graceMs));
  }
  return merged;
}

// a worker's heap holds 8–10 MiB before its first call (Node's bootstrap, the sandbox code): 32 leaves room for calls
const MIN_WORKER_HEAP_MB = 32;

/** Later fields win one by one; a missing or unusable one keeps the default. */
export function mergeMemoryPolicy(override: Partial<SandboxMemoryPolicy> | undefined): SandboxMemoryPolicy {
  const merged: SandboxMemoryPolicy = { ...DEFAULT_SANDBOX_MEMORY };
  for (const key of Object.keys(DEFAULT_SANDBOX_MEMORY) as (keyof SandboxMemoryPolicy)[]) {
    const value = override?.[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      merged[key] = Math.floor(value);
    }
  }
  merged.workerHeapMb = Math.max(MIN_WORKER_HEAP_MB, merged.workerHeapMb);
  return merged;
}

// QuickJS's stack limit (see sandbox.session.ts) is tuned against the native stack of Node's main
// thread (V8's ~984 KiB); Node keeps 192 KiB of a worker's stack as a buffer, so 1.2 MiB gives a
// worker about the same depth, and the same catchable InternalError for ordinary deep recursion.
const WORKER_STACK_MB = 1.2;

// A worker's young generation: its garbage is small and short-lived (a call's snapshot and result),
// so V8's default (up to 3 × 16 MiB semi-spaces per thread) mostly holds garbage.
const WORKER_YOUNG_GENERATION_MB = 8;
// ts-node compiles the sandbox inside a worker started from the sources: its TypeScript compiler needs more
const TS_NODE_HEAP_MB = 512;

/** Starts a sandbox worker from the compiled entry, or from the TypeScript source under ts-jest and ts-node. */
export function spawnSandboxWorker(memory: SandboxMemoryPolicy = DEFAULT_SANDBOX_MEMORY): Worker {
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'sandbox.worker.ts' : 'sandbox.worker.js');
  const heapMb = fromSource ? Math.max(memory.workerHeapMb, TS_NODE_HEAP_MB) : memory.workerHeapMb;
  return new Worker(entry, {
    execArgv: fromSource ? ['-r', 'ts-node/register/transpile-only'] : undefined,
    workerData: memory,
    resourceLimits: { stackSizeMb: WORKER_STACK_MB, maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

