import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Clock } from './clock';
import type { CounterHit } from './rate-counters.service';
import { RateCounter } from './rate-counter.entity';

/** How often an instance adds its hits to the shared counts and reads the totals back. */
export const RATE_RECONCILE_MS = 1000;
// a multi-row upsert has 4 parameters a row: well under SQLite's 999
const CHUNK = 200;

interface Tally {
  bucket: string;
  windowNo: number;
  endsAt: number;
  /** the shared total at the last reconciliation (this instance's hits sent so far included) */
  known: number;
  /** hits on their way to the database */
  sending: number;
  /** hits not sent yet */
  pending: number;
}

/**
 * Fixed-window counters kept in memory and reconciled with the shared `rate_counters` rows: each
 * instance adds its new hits (one multi-row upsert) and reads the totals back about once a second,
 * so counting a call costs no statement. The tolerance: another instance's hits are seen up to one
 * reconciliation period late, so with N instances a client may exceed a limit by up to what it
 * sends to the other N - 1 instances in one period (docs/performance.md). With one instance the
 * count is exact.
 */
@Injectable()
export class RateTally implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RateTally.name);
  private readonly tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** how long counted hits may wait before they are shared (a test lengthens it to see what shutdown sends) */
  periodMs = RATE_RECONCILE_MS;

  constructor(
    private readonly transactions: Transactions,
    private readonly clock: Clock,
  ) {}

  hit(bucket: string, windowSeconds: number): CounterHit {
    const now = this.clock.now().getTime();
    const windowMs = windowSeconds * 1000;
    const windowNo = Math.floor(now / windowMs);
    const endsAt = (windowNo + 1) * windowMs;
    const key = `${bucket}\u0000${windowNo}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = { bucket, windowNo, endsAt, known: 0, sending: 0, pending: 0 };
      this.tallies.set(key, tally);
    }
    tally.pending++;
    this.schedule();
    return { hits: tally.known + tally.sending + tally.pending, resetsInSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
  }

  /** Sends the hits counted so far and reads the shared totals back; the timer's run skips it when nothing was counted since. */
  reconcile(onlyIfCounted = false): Promise<void> {
    this.chain = this.chain.then(() => this.exchange(onlyIfCounted));
    return this.chain;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // the other instances keep counting this one's hits
    await this.reconcile();
  }

  private schedule(): void {
    if (this.timer || this.closed) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reconcile(true);
    }, this.periodMs);
    this.timer.unref();
  }

  private async exchange(onlyIfCounted: boolean): Promise<void> {
    const now = this.clock.now().getTime();
    for (const [key, tally] of this.tallies) {
      // an ended window no longer limits anything: its unsent hits need not be sent
      if (tally.endsAt <= now) {
        this.tallies.delete(key);
      }
    }
    const live = [...this.tallies.values()];
    // no new hit here since the last exchange: nobody waits on these totals, so no statement
    if (live.length === 0 || (onlyIfCounted && !live.some((t) => t.pending > 0))) {
      return;
    }
    for (const tally of live) {
      tally.sending = tally.pending;
      tally.pending = 0;
    }
    try {
      const totals = await this.transactions.run((tx) => this.exchangeIn(tx, live));
      for (const tally of live) {
        const total = totals.get(`${tally.bucket}\u0000${tally.windowNo}`);
        tally.known = Math.max(total ?? 0, tally.known + tally.sending);
        tally.sending = 0;
      }
    } catch (err) {
      this.logger.warn(`could not reconcile the rate counters: ${err instanceof Error ? err.message : String(err)}`);
      for (const tally of live) {
        tally.pending += tally.sending;
        tally.sending = 0;
      }
      if (!this.closed) {
        this.schedule();
      }
    }
  }

  private async exchangeIn(tx: EntityManager, live: Tally[]): Promise<Map<string, number>> {
    const sent = live.filter((t) => t.sending > 0);
    for (let i = 0; i < sent.length; i += CHUNK) {
      await tx
        .createQueryBuilder()
        .insert()
        .into(RateCounter)
        .values(sent.slice(i, i + CHUNK).map((t) => ({ bucket: t.bucket, windowNo: t.windowNo, hits: t.sending, expiresAt: new Date(t.endsAt) })))
        .onConflict('("bucket", "window_no") DO UPDATE SET "hits" = "rate_counters"."hits" + EXCLUDED."hits"')
        .execute();
    }
    const totals = new Map<string, number>();
    const buckets = [...new Set(live.map((t) => t.bucket))];
    const windows = [...new Set(live.map((t) => t.windowNo))];
    for (let i = 0; i < buckets.length; i += CHUNK) {
      const rows = await tx.getRepository(RateCounter).find({ where: { bucket: In(buckets.slice(i, i + CHUNK)), windowNo: In(windows) } });
      rows.forEach((r) => totals.set(`${r.bucket}\u0000${r.windowNo}`, r.hits));
    }
    return totals;
  }
}
