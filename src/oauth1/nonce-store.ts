import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { OAuth1Nonce } from './oauth1-nonce.entity';

/** RFC 5849 §3.3: requests older or newer than this are refused, so nonces need keeping only this long. */
export const TIMESTAMP_WINDOW_SECONDS = 300;
const PRUNE_EVERY_MS = 60_000;

// Used nonces in the database: the primary key (consumer, nonce, timestamp) lets exactly one of any
// number of concurrent uses through, on one instance or many.
@Injectable()
export class NonceStore {
  private lastPrune = 0;

  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(OAuth1Nonce) private readonly nonces: Repository<OAuth1Nonce>,
  ) {}

  /** Records the nonce; false when it was already used. */
  async use(consumerKey: string, nonce: string, timestamp: number): Promise<boolean> {
    await this.prune();
    const row: OAuth1Nonce = { consumerKey, nonce, timestamp, expiresAt: new Date((timestamp + TIMESTAMP_WINDOW_SECONDS + 60) * 1000) };
    try {
      await this.transactions.run((tx) => tx.getRepository(OAuth1Nonce).insert(row));
      return true;
    } catch (err) {
      if (isDuplicate(err)) {
        return false;
      }
      throw err;
    }
  }

  /** Whether the nonce was used, without using it (the debugger). */
  async wasUsed(consumerKey: string, nonce: string, timestamp: number): Promise<boolean> {
    return (await this.nonces.count({ where: { consumerKey, nonce, timestamp } })) > 0;
  }

  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) {
      return;
    }
    this.lastPrune = now;
    await this.transactions.run((tx) => tx.getRepository(OAuth1Nonce).delete({ expiresAt: LessThan(new Date(now)) }));
  }
}

function isDuplicate(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const code = e.driverError?.code ?? e.code;
  return code === '23505' || (typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}
