import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { InstallationRuntime } from '../installations/installation-runtime.service';
import { InstallationsService } from '../installations/installations.service';
import { LocationsService } from '../locations/locations.service';
import type { LogLine, SandboxEvent, ScheduleOp } from '../sandbox/sandbox.types';
import { backoffMs, ClaimQueue } from './claims/claim-queue';
import { Clock } from './clock';
import { markWorkPending } from './commit-signal';
import { checkCron, nextCronRun } from './cron-expression';
import { HandlerBudget } from './handler-budget.service';
import { InstanceIdentity } from './instance-identity';
import { insertable } from './row-insert';
import { ScheduledJob } from './scheduled-job.entity';
import { WakeUp } from './wake-up';

const JOBS_PER_ROUND = 10;
const MAX_NAME = 100;
const MAX_DELAY_SECONDS = 366 * 24 * 3600;

/** What a scheduled handler gets as evt: the runIn data in evt.data. */
function scheduleEvent(job: ScheduledJob): SandboxEvent {
  return {
    deviceId: '',
    displayName: '',
    name: 'schedule',
    value: job.handler,
    unit: null,
    date: job.runAt.toISOString(),
    source: 'schedule',
    ...(job.data === null || job.data === undefined ? {} : { data: job.data }),
  };
}

// runIn / schedule / unschedule, persisted; `tick` runs the due jobs. A job is run by the one
// instance whose conditional UPDATE claimed it. After downtime a job that is overdue runs once,
// and a cron job then moves to its next occurrence after now (missed occurrences are not replayed).
// A handler that throws counts as an attempt; a platform failure is retried without giving up.
@Injectable()
export class Scheduler {
  private readonly logger = new Logger(Scheduler.name);
  private readonly queue: ClaimQueue<ScheduledJob>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly runtime: InstallationRuntime,
    private readonly installations: InstallationsService,
    private readonly locations: LocationsService,
    private readonly budget: HandlerBudget,
    private readonly wakeUp: WakeUp,
  ) {
    this.queue = new ClaimQueue<ScheduledJob>(
      { entity: ScheduledJob, table: 'scheduled_jobs', key: { column: 'id', of: (job) => job.id }, dueColumn: 'run_at', order: ['run_at', 'id'], batch: JOBS_PER_ROUND },
      transactions,
      clock,
      identity,
      config.events,
    );
  }

  /** Applies the handler's runIn / schedule / unschedule calls in order; returns why any was refused. */
  async apply(tx: EntityManager, installation: { id: string; locationId: string }, ops: ScheduleOp[], now: Date): Promise<LogLine[]> {
    if (ops.length === 0) {
      return [];
    }
    const repo = tx.getRepository(ScheduledJob);
    const lines: LogLine[] = [];
    const max = this.config.events.maxPendingJobsPerInstallation;
    let timeZone: string | null = null;
    for (const op of ops) {
      if (op.op === 'unschedule') {
        // also a job that is running now: its handler may be the one unscheduling itself
        await repo.delete(op.handler === null ? { installationId: installation.id } : { installationId: installation.id, handler: op.handler });
        continue;
      }
      const what = op.op === 'runIn' ? `runIn(${op.seconds}, ${op.handler})` : `schedule("${op.cron}", ${op.handler})`;
      if (op.handler.length > MAX_NAME) {
        lines.push({ level: 'warn', message: `${what.slice(0, 300)} refused: a handler name is at most ${MAX_NAME} characters` });
        continue;
      }
      let job: ScheduledJob;
      if (op.op === 'runIn') {
        if (op.seconds > MAX_DELAY_SECONDS) {
          lines.push({ level: 'warn', message: `${what} refused: at most ${MAX_DELAY_SECONDS} seconds ahead` });
          continue;
        }
        if (op.overwrite) {
          await repo.delete({ installationId: installation.id, handler: op.handler, kind: 'once' });
        }
        job = this.newJob(installation.id, op.handler, 'once', null, op.data, new Date(now.getTime() + Math.round(op.seconds * 1000)), now);
      } else {
        const check = checkCron(op.cron);
        if (!check.ok) {
          lines.push({ level: 'warn', message: `${what.slice(0, 300)} refused: ${check.message}` });
          continue;
        }
        timeZone ??= (await this.locations.findById(installation.locationId, tx))?.timeZone ?? 'UTC';
        // one cron schedule per handler, as in SmartThings: scheduling again replaces it
        await repo.delete({ installationId: installation.id, handler: op.handler, kind: 'cron' });
        job = this.newJob(installation.id, op.handler, 'cron', op.cron.trim(), null, nextCronRun(op.cron, now, timeZone), now);
      }
      const pending = await repo.count({ where: { installationId: installation.id } });
      if (pending >= max) {
        this.logger.warn(`installation ${installation.id}: ${what} refused, it has ${pending} pending jobs`);
        lines.push({ level: 'warn', message: `${what} refused: an installation may have at most ${max} pending scheduled jobs` });
        continue;
      }
      await repo.insert(insertable(job));
    }
    markWorkPending(tx, () => this.wakeUp.wake());
    return lines;
  }

  /** Runs the due jobs (at most `max`); returns how many ran. */
  async tick(max = 100, keepGoing: () => boolean = () => true): Promise<number> {
    let ran = 0;
    while (ran < max && keepGoing()) {
      const claimed = await this.queue.claim();
      if (claimed.length === 0) {
        break;
      }
      for (const job of claimed) {
        // stopping: the rest of the round is handed back (releaseClaims) instead of run
        if (!keepGoing()) {
          break;
        }
        await this.run(job);
      }
      ran += claimed.length;
    }
    return ran;
  }

  /** Pending jobs of an installation, soonest first. */
  async jobsOf(installationId: string): Promise<{ handler: string; kind: string; runAt: Date }[]> {
    const rows = await this.transactions.read((m) => m.getRepository(ScheduledJob).find({ where: { installationId }, order: { runAt: 'ASC', id: 'ASC' } }));
    return rows.map((r) => ({ handler: r.handler, kind: r.kind, runAt: r.runAt }));
  }

  private newJob(installationId: string, handler: string, kind: ScheduledJob['kind'], cron: string | null, data: ScheduledJob['data'], runAt: Date, now: Date): ScheduledJob {
    return { id: randomUUID(), installationId, handler, kind, cron, data, runAt, attempts: 0, claimedBy: null, claimedAt: null, createdAt: now };
  }

  /** Shutdown: this instance's claims go back, so the next instance runs them at once. */
  releaseClaims(): Promise<number> {
    return this.queue.releaseMine();
  }

  private async run(job: ScheduledJob): Promise<void> {
    try {
      if (await this.budget.take(job.installationId, `${job.handler} (scheduled)`)) {
        const outcome = await this.runtime.invoke(job.installationId, { kind: 'event', name: job.handler }, { params: {}, body: null, headers: {}, event: scheduleEvent(job) });
        if (outcome.kind === 'gone') {
          await this.transactions.run((tx) => tx.getRepository(ScheduledJob).delete({ id: job.id }));
          return;
        }
        if (outcome.kind === 'refused') {
          // refused without running (full queue, spent budget, quarantine): the job waits, it is not skipped
          const runAt = new Date(this.clock.now().getTime() + outcome.retryAfterSeconds * 1000);
          await this.transactions.run((tx) => this.queue.reschedule(tx, job, { attempts: job.attempts, runAt }));
          return;
        }
      }
      await this.finish(job);
    } catch (err) {
      // the platform failed, not the app: run it again later, never drop it
      this.logger.error(`scheduled job ${job.id} (${job.handler}) of installation ${job.installationId} failed, retrying: ${String(err)}`);
      await this.retryLater(job).catch((again: unknown) => this.logger.error(`scheduled job ${job.id}: could not schedule its retry (its claim lapses instead): ${String(again)}`));
    }
  }

  // A once-job is done; a cron job moves to its next occurrence. A job deleted or replaced while it
  // ran (unschedule, runIn with overwrite, uninstall) is no longer claimed by us and stays gone.
  private async finish(job: ScheduledJob): Promise<void> {
    await this.transactions.run(async (tx) => {
      if (job.kind === 'once' || job.cron === null) {
        await this.queue.finish(tx, job);
        return;
      }
      const next = nextCronRun(job.cron, new Date(Math.max(this.clock.now().getTime(), job.runAt.getTime())), await this.timeZoneOf(tx, job.installationId));
      await this.queue.reschedule(tx, job, { runAt: next, attempts: 0 });
    });
  }

  private async retryLater(job: ScheduledJob): Promise<void> {
    const attempts = job.attempts + 1;
    const runAt = new Date(this.clock.now().getTime() + backoffMs(attempts, 1000, 5 * 60 * 1000));
    await this.transactions.run((tx) => this.queue.reschedule(tx, job, { attempts, runAt }));
  }

  private async timeZoneOf(tx: EntityManager, installationId: string): Promise<string> {
    const installation = await this.installations.findActive(installationId, tx);
    const location = installation ? await this.locations.findById(installation.locationId, tx) : null;
    return location?.timeZone ?? 'UTC';
  }
}
