import { Logger } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { type AppUsage, type Dispatch, FairScheduler, type QuarantineNotice, type Refusal, type RunReport, type Tenant } from './sandbox.fairness';
import { type SandboxPoolOptions, spawnSandboxWorker } from './sandbox.pool-options';
import type { EngineStats, FromWorker, SandboxCall, SandboxCallResult, ToWorker } from './sandbox.protocol';

/** Why a call got no answer from a worker: it overran its deadline, its worker died, the pool was closed, or it could not be copied. */
export type PoolFailure = 'hung' | 'crashed' | 'stopped' | 'unsendable';

/**
 * `quarantines`: quarantines this call's outcome started (see FairScheduler); `refused`: the call
 * never ran (a full queue, a spent CPU budget, a quarantine).
 */
export type PoolOutcome =
  | { kind: 'done'; result: SandboxCallResult; cpuMs: number; quarantines: QuarantineNotice[] }
  | { kind: 'failed'; failure: PoolFailure; quarantines: QuarantineNotice[] }
  | { kind: 'refused'; refusal: Refusal };

/** The platform's own calls (inspecting a module): no budget, caps or quarantine. */
export const UNMETERED: Readonly<Tenant> = Object.freeze({ installationId: '(unmetered)', appId: '(unmetered)', versionKey: '', metered: false });

interface Job {
  call: SandboxCall;
  settle(outcome: PoolOutcome): void;
}

interface Running {
  id: number;
  job: Job;
  ticket: Tenant;
  deadline: NodeJS.Timeout;
}

interface WorkerSlot {
  worker: Worker;
  ready: boolean;
  /** order in which slots became idle; the longest idle one is used first, so its spare session is ready */
  idleSince: number;
  running: Running | undefined;
  stats: EngineStats;
  bootDeadline: NodeJS.Timeout;
}

// installations whose last worker is remembered (least recently dispatched forgotten first)
const MAX_AFFINITY = 10_000;

// generous: under ts-jest a worker first compiles the sandbox sources with ts-node
const BOOT_TIMEOUT_MS = 30_000;
const NO_STATS: Readonly<EngineStats> = Object.freeze({ enginesCreated: 0, enginesDiscarded: 0, spareSessionsUsed: 0, warmSessionsUsed: 0 });

function sum(a: EngineStats, b: EngineStats): EngineStats {
  return {
    enginesCreated: a.enginesCreated + b.enginesCreated,
    enginesDiscarded: a.enginesDiscarded + b.enginesDiscarded,
    spareSessionsUsed: a.spareSessionsUsed + b.spareSessionsUsed,
    warmSessionsUsed: a.warmSessionsUsed + b.warmSessionsUsed,
  };
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Whether a run ended on its deadline or memory cap (what quarantine counts). */
function killedBy(result: SandboxCallResult): RunReport['killed'] {
  if (result.call !== 'run' || result.result.ok) {
    return undefined;
  }
  const kind = result.result.error.kind;
  return kind === 'timeout' || kind === 'memory' ? kind : undefined;
}

/**
 * A few worker threads running sandbox calls, so SmartApp code never blocks the main event loop.
 * Each worker serves one call at a time; further calls wait in per-installation queues and are
 * handed out by a FairScheduler (fair order by CPU used, caps, budgets, quarantine). A worker that stays
 * silent past the call's cpuMs + graceMs is terminated, one that dies fails its call; either is
 * replaced. Workers start on first use and never keep the process alive while the pool is idle.
 */
export class SandboxWorkerPool {
  private readonly logger = new Logger(SandboxWorkerPool.name);
  private readonly slots = new Set<WorkerSlot>();
  private readonly scheduler: FairScheduler<Job>;
  /** installation -> the worker that served it last (and may hold its warm session) */
  private readonly affinity = new Map<string, WorkerSlot>();
  private retired: EngineStats = { ...NO_STATS };
  private nextId = 1;
  private idleTicks = 0;

  constructor(
    private readonly options: SandboxPoolOptions,
    private readonly spawn: () => Worker = spawnSandboxWorker,
    now: () => number = () => Date.now(),
  ) {
    this.scheduler = new FairScheduler<Job>({ ...options.fairness, workers: options.workers }, now);
  }

  /** Runs a call on a free worker when its tenant's turn comes, or refuses it at once. Never rejects. */
  execute(call: SandboxCall, tenant: Tenant = UNMETERED): Promise<PoolOutcome> {
    return new Promise((settle) => {
      const refusal = this.scheduler.enqueue(tenant, { call, settle });
      if (refusal) {
        settle({ kind: 'refused', refusal });
        return;
      }
      this.fill();
      this.dispatch();
      this.updateRefs();
    });
  }

  /** Whether a call of this installation would be refused now (see FairScheduler.refusalOf). */
  refusalOf(installationId: string): Refusal | undefined {
    return this.scheduler.refusalOf(installationId);
  }

  /** A SmartApp's usage of the sandbox since this process started. */
  usage(appId: string): AppUsage {
    return this.scheduler.usage(appId);
  }

  /** Calls waiting for a free worker. */
  queueDepth(): number {
    return this.scheduler.waitingCount;
  }

  /** Engine counters over every worker this pool has had; engines of a lost worker count as discarded. */
  stats(): EngineStats {
    let total = this.retired;
    for (const slot of this.slots) {
      total = sum(total, slot.stats);
    }
    return { ...total };
  }

  /** Fails every pending call as 'stopped' and terminates the workers; a later call starts new ones. */
  async close(): Promise<void> {
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      clearTimeout(slot.bootDeadline);
      this.retired = sum(this.retired, slot.stats);
      if (slot.running) {
        clearTimeout(slot.running.deadline);
        this.scheduler.finish(slot.running.ticket, { cpuMs: 0, killed: undefined });
        slot.running.job.settle({ kind: 'failed', failure: 'stopped', quarantines: [] });
        slot.running = undefined;
      }
    }
    for (const job of this.scheduler.drain()) {
      job.settle({ kind: 'failed', failure: 'stopped', quarantines: [] });
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private fill(): void {
    while (this.slots.size < this.options.workers) {
      try {
        this.slots.add(this.start());
      } catch (err) {
        this.logger.error(`A sandbox worker could not be started: ${reason(err)}`);
        if (this.slots.size === 0) {
          this.scheduler.drain().forEach((job) => job.settle({ kind: 'failed', failure: 'crashed', quarantines: [] }));
        }
        return;
      }
    }
  }

  private start(): WorkerSlot {
    const worker = this.spawn();
    const slot: WorkerSlot = {
      worker,
      ready: false,
      idleSince: 0,
      running: undefined,
      stats: { ...NO_STATS },
      bootDeadline: setTimeout(() => this.lose(slot, 'crashed', `did not start within ${BOOT_TIMEOUT_MS} ms`), BOOT_TIMEOUT_MS),
    };
    slot.bootDeadline.unref();
    worker.on('message', (message: FromWorker) => this.receive(slot, message));
    worker.on('error', (err: Error) => this.lose(slot, 'crashed', `failed: ${err.message}`));
    worker.on('messageerror', (err: Error) => this.lose(slot, 'crashed', `sent an unreadable message: ${err.message}`));
    worker.on('exit', (code: number) => this.lose(slot, 'crashed', `exited with code ${code}`));
    worker.unref();
    return slot;
  }

  private receive(slot: WorkerSlot, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        clearTimeout(slot.bootDeadline);
        slot.ready = true;
        slot.idleSince = ++this.idleTicks;
        break;
      case 'log':
        if (message.level === 'warn') {
          this.logger.warn(message.message);
        } else {
          this.logger.error(message.message);
        }
        return;
      case 'stats':
        slot.stats = message.stats;
        return;
      case 'done': {
        const running = slot.running;
        if (!running || running.id !== message.id) {
          return;
        }
        clearTimeout(running.deadline);
        slot.running = undefined;
        slot.stats = message.stats;
        slot.idleSince = ++this.idleTicks;
        const cpuMs = Number.isFinite(message.cpuMs) ? message.cpuMs : 0;
        const quarantines = this.scheduler.finish(running.ticket, { cpuMs, killed: killedBy(message.result) });
        running.job.settle({ kind: 'done', result: message.result, cpuMs, quarantines });
        break;
      }
    }
    this.dispatch();
    this.updateRefs();
  }

  private dispatch(): void {
    for (let idle = this.longestIdle(); idle; idle = this.longestIdle()) {
      const next = this.scheduler.next();
      if (!next) {
        return;
      }
      // the worker that holds the installation's warm session, when it is free
      const warmKey = next.job.call.call === 'run' ? next.job.call.warmKey : undefined;
      const preferred = warmKey === undefined ? undefined : this.affinity.get(warmKey);
      const slot = preferred && this.slots.has(preferred) && preferred.ready && !preferred.running ? preferred : idle;
      if (warmKey !== undefined) {
        this.affinity.delete(warmKey);
        this.affinity.set(warmKey, slot);
        if (this.affinity.size > MAX_AFFINITY) {
          const oldest = this.affinity.keys().next().value as string;
          this.affinity.delete(oldest);
        }
      }
      this.send(slot, next);
    }
  }

  private longestIdle(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const slot of this.slots) {
      if (slot.ready && !slot.running && (!best || slot.idleSince < best.idleSince)) {
        best = slot;
      }
    }
    return best;
  }

  private send(slot: WorkerSlot, { job, ticket }: Dispatch<Job>): void {
    const id = this.nextId++;
    const message: ToWorker = { ...job.call, id };
    try {
      // as one string: structured clone walks a snapshot object by object, several times slower than JSON
      slot.worker.postMessage(JSON.stringify(message));
    } catch (err) {
      this.logger.error(`A sandbox call could not be passed to a worker: ${reason(err)}`);
      this.scheduler.finish(ticket, { cpuMs: 0, killed: undefined });
      job.settle({ kind: 'failed', failure: 'unsendable', quarantines: [] });
      return;
    }
    const timeoutMs = job.call.limits.cpuMs + this.options.graceMs;
    const deadline = setTimeout(() => this.lose(slot, 'hung', `did not answer within ${timeoutMs} ms and was terminated`), timeoutMs);
    slot.running = { id, job, ticket, deadline };
  }

  /** Takes a worker out of the pool for good, fails its call and starts a replacement when there is work. */
  private lose(slot: WorkerSlot, failure: 'hung' | 'crashed', why: string): void {
    if (!this.slots.delete(slot)) {
      return;
    }
    clearTimeout(slot.bootDeadline);
    // its engines die with it
    const live = slot.stats.enginesCreated - slot.stats.enginesDiscarded;
    this.retired = sum(this.retired, { ...slot.stats, enginesDiscarded: slot.stats.enginesDiscarded + live });
    void slot.worker.terminate();
    const running = slot.running;
    slot.running = undefined;
    if (running) {
      clearTimeout(running.deadline);
      this.logger.warn(`A sandbox worker ${why}; its call failed (${failure}) and the worker is replaced`);
      // a lost worker's call is charged its whole deadline and counts as a kill
      const report: RunReport = { cpuMs: running.job.call.limits.cpuMs, killed: failure === 'hung' ? 'timeout' : 'memory' };
      const quarantines = this.scheduler.finish(running.ticket, report);
      running.job.settle({ kind: 'failed', failure, quarantines });
    } else if (!slot.ready) {
      this.logger.error(`A sandbox worker ${why} before it was ready`);
      // without a working worker the oldest call would wait forever on a broken start
      if (![...this.slots].some((other) => other.ready)) {
        this.scheduler.dropOldest()?.settle({ kind: 'failed', failure: 'crashed', quarantines: [] });
      }
    } else {
      this.logger.warn(`An idle sandbox worker ${why}`);
    }
    // replaced only when there is work, so a worker that dies on its own can never restart in a loop
    if (running || this.scheduler.waitingCount > 0) {
      this.fill();
    }
    this.dispatch();
    this.updateRefs();
  }

  private updateRefs(): void {
    // an idle pool must not keep the process alive; pending work must
    const busy = this.scheduler.waitingCount > 0 || [...this.slots].some((slot) => slot.running);
    for (const slot of this.slots) {
      if (busy) {
        slot.worker.ref();
      } else {
        slot.worker.unref();
      }
    }
  }
}
