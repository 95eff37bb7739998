import { Injectable } from '@nestjs/common';
import { IsNull, LessThan } from 'typeorm';
import { Transactions } from '../database/transactions';
import { AccessToken } from './access-token.entity';
import { AuthorizationCode } from './authorization-code.entity';
import { AuthorizeTransaction } from './authorize-transaction.entity';
import { RefreshToken } from './refresh-token.entity';

const DAY_MS = 24 * 3600 * 1000;

// Rows that can no longer be used. Expired tokens and codes are kept one more day, so a replay
// shortly after expiry still finds them (and says "expired" rather than "unknown"); revoked
// non-expiring (SmartThings-classic) tokens are kept 30 days for the record.
@Injectable()
export class OAuthHousekeeping {
  constructor(private readonly transactions: Transactions) {}

  async deleteExpired(now: Date): Promise<Record<string, number>> {
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const monthAgo = new Date(now.getTime() - 30 * DAY_MS);
    return this.transactions.run(async (tx) => {
      const affected = async (p: Promise<{ affected?: number | null }>) => (await p).affected ?? 0;
      return {
        authorizeTransactions: await affected(tx.getRepository(AuthorizeTransaction).delete({ expiresAt: LessThan(now) })),
        codes: await affected(tx.getRepository(AuthorizationCode).delete({ expiresAt: LessThan(dayAgo) })),
        accessTokens:
          (await affected(tx.getRepository(AccessToken).delete({ expiresAt: LessThan(dayAgo) }))) +
          (await affected(tx.getRepository(AccessToken).delete({ expiresAt: IsNull(), revokedAt: LessThan(monthAgo) }))),
        refreshTokens: await affected(tx.getRepository(RefreshToken).delete({ expiresAt: LessThan(dayAgo) })),
      };
    });
  }
}
