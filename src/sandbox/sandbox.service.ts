import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { DEFAULT_SANDBOX_LIMITS, mergeLimits, SANDBOX_LIMITS } from './sandbox.limits';
import { type PoolFailure, SandboxWorkerPool } from './sandbox.pool';
import { mergePoolOptions, SANDBOX_POOL, type SandboxPoolOptions } from './sandbox.pool-options';
import type { InspectResult, RunRequest, SandboxFailureKind, SandboxLimits, SandboxResult } from './sandbox.types';

export { DEFAULT_SANDBOX_LIMITS, SANDBOX_LIMITS } from './sandbox.limits';
export { DEFAULT_SANDBOX_POOL, SANDBOX_POOL, type SandboxPoolOptions } from './sandbox.pool-options';

/** What the caller learns when a worker gave no answer; the details are in the pool's log. */
function lostCall(failure: PoolFailure, limits: SandboxLimits): { kind: SandboxFailureKind; message: string } {
  switch (failure) {
    case 'hung':
      return { kind: 'timeout', message: `Execution exceeded the CPU limit of ${limits.cpuMs} ms` };
    case 'crashed':
      return { kind: 'unavailable', message: 'The sandbox stopped unexpectedly' };
    case 'stopped':
      return { kind: 'unavailable', message: 'The sandbox was shut down before the call finished' };
    case 'unsendable':
      return { kind: 'exception', message: 'The request could not be passed to the sandbox' };
  }
}

/**
 * Runs SmartApp code in QuickJS (WebAssembly) on a small pool of worker threads, so a handler that
 * spins or allocates never blocks the platform's event loop. Every inspect/run gets a fresh QuickJS
 * runtime and context (see SandboxExecutor); calls beyond the pool's size wait in FIFO order.
 */
@Injectable()
export class SandboxService implements OnModuleDestroy {
  private readonly defaults: SandboxLimits;
  private readonly pool: SandboxWorkerPool;

  constructor(@Optional() @Inject(SANDBOX_LIMITS) limits?: Partial<SandboxLimits>, @Optional() @Inject(SANDBOX_POOL) pool?: Partial<SandboxPoolOptions>) {
    this.defaults = mergeLimits(DEFAULT_SANDBOX_LIMITS, limits);
    this.pool = new SandboxWorkerPool(mergePoolOptions(pool));
  }

  /** The limits a run gets when its request sets none. */
  get defaultLimits(): SandboxLimits {
    return { ...this.defaults };
  }

  /** Evaluates a SmartApp module (under the default limits) and returns its JSON parts. */
  async inspect(source: string): Promise<InspectResult> {
    const limits = this.defaults;
    const outcome = await this.pool.execute({ call: 'inspect', source, limits });
    if (outcome.kind === 'done' && outcome.result.call === 'inspect') {
      return outcome.result.result;
    }
    const { message } = lostCall(outcome.kind === 'failed' ? outcome.failure : 'crashed', limits);
    return { ok: false, errors: [{ path: 'source', message }] };
  }

  /** Runs one handler against a snapshot and returns its effects, or why it failed. Never throws. */
  async run(req: RunRequest): Promise<SandboxResult> {
    const limits = mergeLimits(this.defaults, req.limits);
    const outcome = await this.pool.execute({ call: 'run', request: req, limits });
    if (outcome.kind === 'done' && outcome.result.call === 'run') {
      return outcome.result.result;
    }
    return { ok: false, error: lostCall(outcome.kind === 'failed' ? outcome.failure : 'crashed', limits), logs: [] };
  }

  /** Counters for monitoring: a discarded engine means a session broke on the host side or its worker was lost. */
  stats(): { enginesCreated: number; enginesDiscarded: number; spareSessionsUsed: number } {
    return this.pool.stats();
  }

  /** Terminates the workers (Nest calls this on app.close()); calls still pending fail. */
  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }
}
