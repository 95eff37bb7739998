import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { EventsSettings } from '../../config/app-config';
import { Transactions } from '../../database/transactions';
import { Clock } from '../clock';
import { InstanceIdentity } from '../instance-identity';
import { claimableSql, forgetBeat, MISSED_BEATS, recordBeat } from './heartbeat';

/** Exponential backoff: 1, 2, 4, ... times `baseMs`, at most `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The claim column group every queued row has (`claimed_by`, `claimed_at`). */
export interface ClaimableRow extends ObjectLiteral {
  claimedBy: string | null;
  claimedAt: Date | null;
}

export interface ClaimQueueSpec<T> {
  entity: EntityTarget<T>;
  /** the SQL table name */
  table: string;
  /** the primary key: its column and the row's property */
  key: { column: string; of: (row: T) => string | number };
  /** a row is due when this column is at or before now */
  dueColumn: string;
  /** scan order, oldest first: one column, or a column and a tie-breaker */
  order: [string] | [string, string];
  /**
   * Rows of one group (an installation): 'head' — only the group's oldest row may be claimed, so
   * its rows run one at a time in order (events); 'first' — at most one row per group per round,
   * the oldest claimable one, so no group fills a round (callbacks).
   */
  group?: { column: string; mode: 'head' | 'first' };
  /** rows claimed per round */
  batch: number;
}

type Settings = Pick<EventsSettings, 'heartbeatMs' | 'claimTimeoutMs'>;

/**
 * The one claim → run → finish-or-reschedule skeleton of the outbox, the scheduler and the
 * callbacks. A row is run by the one instance whose conditional UPDATE claimed it. A claim is
 * taken back when its instance stopped beating (MISSED_BEATS × INSTANCE_HEARTBEAT_MS: a crash is
 * recovered in seconds) or when it is older than CLAIM_TIMEOUT_MS (a live instance's stuck item).
 * The scan filters due and claimable rows in SQL before it limits, so rows that cannot be taken
 * never fill a round.
 */
export class ClaimQueue<T extends ClaimableRow> {
  constructor(
    private readonly spec: ClaimQueueSpec<T>,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly settings: Settings,
  ) {}

  /** Claims up to `batch` due rows for this instance (beating first if its heartbeat is due). */
  claim(): Promise<T[]> {
    return this.transactions.run(async (tx) => {
      const now = this.clock.now();
      await this.beatIfDue(tx, now);
      const params = this.params(now);
      const { table, dueColumn, order, group, batch } = this.spec;
      const qb = tx
        .getRepository(this.spec.entity)
        .createQueryBuilder('x')
        .where(`x.${dueColumn} <= :now`)
        .andWhere(claimableSql('x'));
      if (group) {
        const earlier = order.length === 1 ? `y.${order[0]} < x.${order[0]}` : `(y.${order[0]} < x.${order[0]} OR (y.${order[0]} = x.${order[0]} AND y.${order[1]} < x.${order[1]}))`;
        const competing = group.mode === 'head' ? '' : ` AND y.${dueColumn} <= :now AND ${claimableSql('y')}`;
        qb.andWhere(`NOT EXISTS (SELECT 1 FROM ${table} y WHERE y.${group.column} = x.${group.column}${competing} AND ${earlier})`);
      }
      qb.orderBy(`x.${order[0]}`, 'ASC');
      if (order.length === 2) {
        qb.addOrderBy(`x.${order[1]}`, 'ASC');
      }
      const candidates = await qb.setParameters(params).limit(batch).getMany();
      const claimed: T[] = [];
      for (const row of candidates) {
        const result = await tx
          .createQueryBuilder()
          .update(this.spec.entity)
          .set({ claimedBy: this.identity.id, claimedAt: now })
          .where(`${this.spec.key.column} = :key AND ${claimableSql(null)}`, { ...params, key: this.spec.key.of(row) })
          .execute();
        if (result.affected === 1) {
          claimed.push({ ...row, claimedBy: this.identity.id, claimedAt: now });
        }
      }
      return claimed;
    });
  }

  /** The row is done: deleted, if this instance still holds it. */
  async finish(tx: EntityManager, row: T): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .delete()
      .from(this.spec.entity)
      .where(`${this.spec.key.column} = :key AND claimed_by = :me`, { key: this.spec.key.of(row), me: this.identity.id })
      .execute();
    return result.affected === 1;
  }

  /** The row runs again later: `patch` applied and the claim released, if this instance still holds it. */
  async reschedule(tx: EntityManager, row: T, patch: QueryDeepPartialEntity<T>): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(this.spec.entity)
      .set({ ...patch, claimedBy: null, claimedAt: null })
      .where(`${this.spec.key.column} = :key AND claimed_by = :me`, { key: this.spec.key.of(row), me: this.identity.id })
      .execute();
    return result.affected === 1;
  }

  /** Shutdown: every claim of this instance is released, so the next instance takes the rows at once. */
  async releaseMine(): Promise<number> {
    const result = await this.transactions.run((tx) =>
      tx
        .createQueryBuilder()
        .update(this.spec.entity)
        .set({ claimedBy: null, claimedAt: null })
        .where('claimed_by = :me', { me: this.identity.id })
        .execute(),
    );
    return result.affected ?? 0;
  }

  private params(now: Date): { now: Date; staleBefore: Date; aliveSince: Date; me: string } {
    return {
      now,
      staleBefore: new Date(now.getTime() - this.settings.claimTimeoutMs),
      aliveSince: new Date(now.getTime() - MISSED_BEATS * this.settings.heartbeatMs),
      me: this.identity.id,
    };
  }

  private async beatIfDue(tx: EntityManager, now: Date): Promise<void> {
    if (Math.abs(now.getTime() - this.identity.lastBeatAt) >= this.settings.heartbeatMs) {
      await recordBeat(tx, this.identity.id, now);
      this.identity.lastBeatAt = now.getTime();
    }
  }
}

/** The heartbeat of an instance that claims work: beats on a timer, and is removed on a clean stop. */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(this.onError), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.transactions.run((tx) => forgetBeat(tx, this.identity.id));
  }

  private async beat(): Promise<void> {
    const now = this.clock.now();
    await this.transactions.run((tx) => recordBeat(tx, this.identity.id, now));
    this.identity.lastBeatAt = now.getTime();
  }
}
