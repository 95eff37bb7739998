import { Logger } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { type SandboxPoolOptions, spawnSandboxWorker } from './sandbox.pool-options';
import type { EngineStats, FromWorker, SandboxCall, SandboxCallResult, ToWorker } from './sandbox.protocol';

/** Why a call got no answer from a worker: it overran its deadline, its worker died, the pool was closed, or it could not be copied. */
export type PoolFailure = 'hung' | 'crashed' | 'stopped' | 'unsendable';

export type PoolOutcome = { kind: 'done'; result: SandboxCallResult } | { kind: 'failed'; failure: PoolFailure };

interface Job {
  call: SandboxCall;
  settle(outcome: PoolOutcome): void;
}

interface Running {
  id: number;
  job: Job;
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

// generous: under ts-jest a worker first compiles the sandbox sources with ts-node
const BOOT_TIMEOUT_MS = 30_000;
const NO_STATS: Readonly<EngineStats> = Object.freeze({ enginesCreated: 0, enginesDiscarded: 0, spareSessionsUsed: 0 });

function sum(a: EngineStats, b: EngineStats): EngineStats {
  return {
    enginesCreated: a.enginesCreated + b.enginesCreated,
    enginesDiscarded: a.enginesDiscarded + b.enginesDiscarded,
    spareSessionsUsed: a.spareSessionsUsed + b.spareSessionsUsed,
  };
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A few worker threads running sandbox calls, so SmartApp code never blocks the main event loop.
 * Each worker serves one call at a time; further calls wait in FIFO order. A worker that stays
 * silent past the call's cpuMs + graceMs is terminated, one that dies fails its call; either is
 * replaced. Workers start on first use and never keep the process alive while the pool is idle.
 */
export class SandboxWorkerPool {
  private readonly logger = new Logger(SandboxWorkerPool.name);
  private readonly slots = new Set<WorkerSlot>();
  private readonly queue: Job[] = [];
  private retired: EngineStats = { ...NO_STATS };
  private nextId = 1;
  private idleTicks = 0;

  constructor(
    private readonly options: SandboxPoolOptions,
    private readonly spawn: () => Worker = spawnSandboxWorker,
  ) {}

  /** Runs a call on the next free worker. Never rejects. */
  execute(call: SandboxCall): Promise<PoolOutcome> {
    return new Promise((settle) => {
      this.queue.push({ call, settle });
      this.fill();
      this.dispatch();
      this.updateRefs();
    });
  }

  /** Calls waiting for a free worker. */
  queueDepth(): number {
    return this.queue.length;
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
        slot.running.job.settle({ kind: 'failed', failure: 'stopped' });
        slot.running = undefined;
      }
    }
    for (const job of this.queue.splice(0)) {
      job.settle({ kind: 'failed', failure: 'stopped' });
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
          this.queue.splice(0).forEach((job) => job.settle({ kind: 'failed', failure: 'crashed' }));
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
        running.job.settle({ kind: 'done', result: message.result });
        break;
      }
    }
    this.dispatch();
    this.updateRefs();
  }

  private dispatch(): void {
    for (let slot = this.longestIdle(); slot && this.queue.length > 0; slot = this.longestIdle()) {
      const job = this.queue.shift();
      if (job) {
        this.send(slot, job);
      }
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

  private send(slot: WorkerSlot, job: Job): void {
    const id = this.nextId++;
    const message: ToWorker = { ...job.call, id };
    try {
      slot.worker.postMessage(message);
    } catch (err) {
      this.logger.error(`A sandbox call could not be passed to a worker: ${reason(err)}`);
      job.settle({ kind: 'failed', failure: 'unsendable' });
      return;
    }
    const timeoutMs = job.call.limits.cpuMs + this.options.graceMs;
    const deadline = setTimeout(() => this.lose(slot, 'hung', `did not answer within ${timeoutMs} ms and was terminated`), timeoutMs);
    slot.running = { id, job, deadline };
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
      running.job.settle({ kind: 'failed', failure });
    } else if (!slot.ready) {
      this.logger.error(`A sandbox worker ${why} before it was ready`);
      // without a working worker the oldest call would wait forever on a broken start
      if (![...this.slots].some((other) => other.ready)) {
        this.queue.shift()?.settle({ kind: 'failed', failure: 'crashed' });
      }
    } else {
      this.logger.warn(`An idle sandbox worker ${why}`);
    }
    // replaced only when there is work, so a worker that dies on its own can never restart in a loop
    if (running || this.queue.length > 0) {
      this.fill();
    }
    this.dispatch();
    this.updateRefs();
  }

  private updateRefs(): void {
    // an idle pool must not keep the process alive; pending work must
    const busy = this.queue.length > 0 || [...this.slots].some((slot) => slot.running);
    for (const slot of this.slots) {
      if (busy) {
        slot.worker.ref();
      } else {
        slot.worker.unref();
      }
    }
  }
}
