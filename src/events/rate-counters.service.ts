import { Injectable } from '@nestjs/common';
import { EntityManager, LessThan } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Clock } from './clock';
import { RateCounter } from './rate-counter.entity';

export interface CounterHit {
  /** hits in the current window, this one included */
  hits: number;
  /** seconds until the window ends */
  resetsInSeconds: number;
}

// Fixed-window counters in the database, so every instance counts against the same number.
// The increment is one UPDATE ... SET hits = hits + 1, which both engines apply atomically.
@Injectable()
export class RateCounters {
  constructor(
    private readonly transactions: Transactions,
    private readonly clock: Clock,
  ) {}

  async hit(bucket: string, windowSeconds: number): Promise<CounterHit> {
    const now = this.clock.now().getTime();
    const windowMs = windowSeconds * 1000;
    const windowNo = Math.floor(now / windowMs);
    const endsAt = (windowNo + 1) * windowMs;
    const hits = await this.transactions.run(async (tx: EntityManager) => {
      await tx.createQueryBuilder().insert().into(RateCounter).values({ bucket, windowNo, hits: 0, expiresAt: new Date(endsAt) }).orIgnore().execute();
      await tx
        .createQueryBuilder()
        .update(RateCounter)
        .set({ hits: () => 'hits + 1' })
        .where('bucket = :bucket AND window_no = :windowNo', { bucket, windowNo })
        .execute();
      const row = await tx.getRepository(RateCounter).findOneOrFail({ where: { bucket, windowNo } });
      return row.hits;
    });
    return { hits, resetsInSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
  }

  /** Drops the rows of windows that have ended. */
  async prune(): Promise<void> {
    await this.transactions.run((tx) => tx.getRepository(RateCounter).delete({ expiresAt: LessThan(this.clock.now()) }));
  }
}
