import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_FAIRNESS, type FairnessPolicy } from './sandbox.fairness';

export interface SandboxPoolOptions {
  /** worker threads running SmartApp code; calls beyond this many wait in a FIFO queue */
  workers: number;
  /** how long past a call's cpuMs a silent worker is given before it is terminated and replaced */
  graceMs: number;
  /** scheduling, budgets and quarantine (DEFAULT_FAIRNESS when not given) */
  fairness: Omit<FairnessPolicy, 'workers'>;
}

const MAX_WORKERS = 16;

/** One worker per core (as Node sees them), at most MAX_WORKERS. */
export const DEFAULT_SANDBOX_WORKERS = Math.min(MAX_WORKERS, Math.max(1, availableParallelism()));

export const DEFAULT_SANDBOX_POOL: Readonly<SandboxPoolOptions> = Object.freeze({ workers: DEFAULT_SANDBOX_WORKERS, graceMs: 2000, fairness: DEFAULT_FAIRNESS });

/** Injection token for the worker pool's options of a SandboxService (optional; DEFAULT_SANDBOX_POOL otherwise). */
export const SANDBOX_POOL = Symbol('SANDBOX_POOL');

/** What may be given for SANDBOX_POOL: any field, fairness field by field. */
export type SandboxPoolSettings = Partial<Omit<SandboxPoolOptions, 'fairness'>> & { fairness?: Partial<SandboxPoolOptions['fairness']> };

export function mergePoolOptions(override: SandboxPoolSettings | undefined): SandboxPoolOptions {
  const merged: SandboxPoolOptions = { ...DEFAULT_SANDBOX_POOL, fairness: { ...DEFAULT_FAIRNESS, ...override?.fairness } };
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

// QuickJS's stack limit (see sandbox.session.ts) is tuned against the native stack of Node's main
// thread (V8's ~984 KiB); Node keeps 192 KiB of a worker's stack as a buffer, so 1.2 MiB gives a
// worker about the same depth, and the same catchable InternalError for ordinary deep recursion.
const WORKER_STACK_MB = 1.2;

/** Starts a sandbox worker from the compiled entry, or from the TypeScript source under ts-jest and ts-node. */
export function spawnSandboxWorker(): Worker {
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'sandbox.worker.ts' : 'sandbox.worker.js');
  return new Worker(entry, {
    execArgv: fromSource ? ['-r', 'ts-node/register/transpile-only'] : undefined,
    resourceLimits: { stackSizeMb: WORKER_STACK_MB },
  });
}
