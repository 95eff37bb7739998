import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { DEFAULT_SANDBOX_LIMITS, mergeLimits, SANDBOX_LIMITS } from './sandbox.limits';
import type { AppUsage, Tenant } from './sandbox.fairness';
import { type PoolFailure, SandboxWorkerPool, UNMETERED } from './sandbox.pool';
import type { EngineStats } from './sandbox.protocol';
import { mergePoolOptions, SANDBOX_POOL, type SandboxPoolSettings, spawnSandboxWorker } from './sandbox.pool-options';
import type { InspectResult, RunRequest, SandboxFailureKind, SandboxLimits, SandboxRefusal, SandboxResult } from './sandbox.types';

export { DEFAULT_SANDBOX_LIMITS, SANDBOX_LIMITS } from './sandbox.limits';
export { DEFAULT_SANDBOX_MEMORY, DEFAULT_SANDBOX_POOL, SANDBOX_POOL, type SandboxMemoryPolicy, type SandboxPoolOptions, type SandboxPoolSettings } from './sandbox.pool-options';
export { type AppUsage, DEFAULT_FAIRNESS, type FairnessPolicy } from './sandbox.fairness';

/** One finished handler run: how it ended and how long it took from the queue to the answer. */
export interface SandboxRunRecord {
  outcome: 'ok' | SandboxFailureKind;
  seconds: number;
}

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
 * spins or allocates never blocks the platform's event loop. An owned run may reuse its own
 * installation's warm session, any other call gets a fresh QuickJS runtime and context (see
 * SandboxExecutor); calls beyond the pool's size wait their turn in a
 * FairScheduler (per installation, fair by CPU used; budgets and quarantine refuse at once).
 */
@Injectable()
export class SandboxService implements OnModuleDestroy {
  private readonly defaults: SandboxLimits;
  private readonly pool: SandboxWorkerPool;
  private readonly runObservers: ((run: SandboxRunRecord) => void)[] = [];

  constructor(@Optional() @Inject(SANDBOX_LIMITS) limits?: Partial<SandboxLimits>, @Optional() @Inject(SANDBOX_POOL) pool?: SandboxPoolSettings) {
    this.defaults = mergeLimits(DEFAULT_SANDBOX_LIMITS, limits);
    const options = mergePoolOptions(pool);
    this.pool = new SandboxWorkerPool(options, () => spawnSandboxWorker(options.memory));
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
    const message = outcome.kind === 'refused' ? outcome.refusal.message : lostCall(outcome.kind === 'failed' ? outcome.failure : 'crashed', limits).message;
    return { ok: false, errors: [{ path: 'source', message }] };
  }

  /**
   * Runs one handler against a snapshot and returns its effects, or why it failed. Never throws.
   * With `req.owner` the call waits its installation's turn and may be refused at once (kind 'refused').
   */
  async run(req: RunRequest): Promise<SandboxResult> {
    const limits = mergeLimits(this.defaults, req.limits);
    const started = process.hrtime.bigint();
    const tenant: Tenant = req.owner ? { ...req.owner, versionKey: req.versionKey, metered: true } : UNMETERED;
    const { owner: _owner, ...request } = req;
    // an owned run may use (and leave) its installation's warm session; never another installation's
    const outcome = await this.pool.execute({ call: 'run', request, limits, warmKey: req.owner?.installationId }, tenant);
    if (outcome.kind === 'refused') {
      const { reason, retryAfterSeconds, message } = outcome.refusal;
      return { ok: false, error: { kind: 'refused', message, refusal: { reason, retryAfterSeconds } }, logs: [] };
    }
    const quarantines = outcome.quarantines.map(({ scope, durationMs }) => ({ scope, durationMs }));
    const result: SandboxResult =
      outcome.kind === 'done' && outcome.result.call === 'run'
        ? outcome.result.result
        : { ok: false, error: lostCall(outcome.kind === 'failed' ? outcome.failure : 'crashed', limits), logs: [] };
    const record: SandboxRunRecord = { outcome: result.ok ? 'ok' : result.error.kind, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    this.runObservers.forEach((observe) => observe(record));
    return result.ok || quarantines.length === 0 ? result : { ...result, quarantines };
  }

  /**
   * Whether a run of this installation would be refused right now (quarantine, spent CPU budget),
   * so the platform can answer 429 before loading anything. Undefined when unknown or allowed.
   */
  refusalOf(installationId: string): (SandboxRefusal & { message: string }) | undefined {
    const refusal = this.pool.refusalOf(installationId);
    return refusal ? { reason: refusal.reason, retryAfterSeconds: refusal.retryAfterSeconds, message: refusal.message } : undefined;
  }

  /** A SmartApp's runs, CPU time, kills, refusals and quarantines in this process since it started. */
  usage(appId: string): AppUsage {
    return this.pool.usage(appId);
  }

  /** Tells `observer` about every handler run (for metrics); observers must not throw. */
  observeRuns(observer: (run: SandboxRunRecord) => void): void {
    this.runObservers.push(observer);
  }

  /** Calls waiting for a free worker. */
  queueDepth(): number {
    return this.pool.queueDepth();
  }

  /** Counters for monitoring: a discarded engine means a session broke on the host side or its worker was lost. */
  stats(): EngineStats {
    return this.pool.stats();
  }

  /** Terminates the workers (Nest calls this on app.close()); calls still pending fail. */
  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }
}
