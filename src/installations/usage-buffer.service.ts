import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import { Transactions } from '../database/transactions';
import { ActivityKind, ActivityLog } from './activity-log.entity';
import { Installation } from './installation.entity';

/** How late a buffered row may reach the database (docs/performance.md, "No write on a read"). */
export const USAGE_FLUSH_MS = 1000;
// beyond this, a database that keeps refusing the flush costs rows rather than memory
const MAX_PENDING = 50_000;
// 5 parameters a row: well under SQLite's 999 bound parameters per statement
const INSERT_CHUNK = 150;
const ID_CHUNK = 500;

/**
 * Observability written off the request path: API-call activity rows and installations'
 * `last_used_at` are kept in memory and written in batches, at most about a second late, in one
 * short transaction (a multi-row INSERT, one UPDATE), and on graceful shutdown. A crash loses at
 * most that second: these are not acknowledged writes (docs/architecture.md).
 */
@Injectable()
export class UsageBuffer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(UsageBuffer.name);
  private activity: ActivityLog[] = [];
  private used = new Map<string, Date>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** how long a row may wait (a test lengthens it to see what shutdown writes) */
  periodMs = USAGE_FLUSH_MS;

  constructor(private readonly transactions: Transactions) {}

  recordActivity(installationId: string, kind: ActivityKind, summary: string, at = new Date()): void {
    if (this.activity.length >= MAX_PENDING) {
      this.logger.warn(`activity buffer full: dropped "${summary}" of installation ${installationId}`);
      return;
    }
    this.activity.push({ id: randomUUID(), installationId, at, kind, summary });
    this.schedule();
  }

  /** The installation was used now (its `last_used_at`). */
  touch(installationId: string, at = new Date()): void {
    const known = this.used.get(installationId);
    if (!known || known < at) {
      this.used.set(installationId, at);
    }
    this.schedule();
  }

  get pending(): number {
    return this.activity.length + this.used.size;
  }

  /** Writes what is buffered now (e.g. before a page shows the activity); waits for a flush already running. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write());
    return this.chain;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // the requests and event loops have drained by now (lifecycle/graceful-shutdown.ts); the database closes after this
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.flush();
  }

  private schedule(): void {
    if (this.timer || this.closed) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.periodMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const activity = this.activity;
    const used = this.used;
    if (activity.length === 0 && used.size === 0) {
      return;
    }
    this.activity = [];
    this.used = new Map();
    try {
      await this.transactions.run((tx) => this.writeBatch(tx, activity, used));
    } catch (err) {
      // put them back for the next flush (newer touches win), unless the buffer is already full again
      this.logger.warn(`could not write ${activity.length} activity row(s) and ${used.size} last-used time(s): ${err instanceof Error ? err.message : String(err)}`);
      this.activity = [...activity, ...this.activity].slice(0, MAX_PENDING);
      for (const [id, at] of used) {
        if (!this.used.has(id)) {
          this.used.set(id, at);
        }
      }
      if (!this.closed) {
        this.schedule();
      }
    }
  }

  private async writeBatch(tx: EntityManager, activity: ActivityLog[], used: Map<string, Date>): Promise<void> {
    // an installation forgotten since (its rows cascade away) must not fail the whole batch
    const ids = [...new Set([...activity.map((a) => a.installationId), ...used.keys()])];
    const existing = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const rows = await tx.getRepository(Installation).find({ select: { id: true }, where: { id: In(ids.slice(i, i + ID_CHUNK)) } });
      rows.forEach((r) => existing.add(r.id));
    }
    const rows = activity.filter((a) => existing.has(a.installationId));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx.getRepository(ActivityLog).insert(rows.slice(i, i + INSERT_CHUNK));
    }
    const touched = [...used.entries()].filter(([id]) => existing.has(id));
    if (touched.length === 0) {
      return;
    }
    // one time for the batch (its latest use): the uses it stands for are at most a flush period older
    const at = new Date(Math.max(...touched.map(([, when]) => when.getTime())));
    const touchedIds = touched.map(([id]) => id);
    for (let i = 0; i < touchedIds.length; i += ID_CHUNK) {
      await tx
        .createQueryBuilder()
        .update(Installation)
        .set({ lastUsedAt: at })
        .where({ id: In(touchedIds.slice(i, i + ID_CHUNK)) })
        .andWhere('(last_used_at IS NULL OR last_used_at < :at)', { at })
        .execute();
    }
  }
}
