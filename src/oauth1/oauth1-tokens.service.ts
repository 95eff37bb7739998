import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, LessThan, Repository } from 'typeorm';
import { constantTimeEquals, randomToken, sha256 } from '../common/secrets';
import { Transactions } from '../database/transactions';
import { InstallationsService } from '../installations/installations.service';
import { TokenInfo } from '../oauth/token-info';
import { OAuth1ConsumersService } from './oauth1-consumers.service';
import { OAuth1Token } from './oauth1-token.entity';

/** A request token lives this long: the person has that much time to decide. */
export const REQUEST_TOKEN_TTL_SECONDS = 15 * 60;

export interface IssuedPair {
  token: string;
  secret: string;
}

// Request and access tokens: issued, looked up by hash, used once, ended with their installation.
@Injectable()
export class OAuth1TokensService {
  private lastPrune = 0;

  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(OAuth1Token) private readonly tokens: Repository<OAuth1Token>,
    private readonly consumers: OAuth1ConsumersService,
    private readonly installations: InstallationsService,
  ) {}

  async find(token: string): Promise<OAuth1Token | null> {
    if (token.length < 16 || token.length > 200) {
      return null;
    }
    return this.tokens.findOne({ where: { tokenHash: sha256(token) } });
  }

  /** Not expired and, for a request token, not yet exchanged. */
  isLive(row: OAuth1Token): boolean {
    return (!row.expiresAt || row.expiresAt.getTime() > Date.now()) && row.usedAt === null;
  }

  secretOf(row: OAuth1Token): string | null {
    return this.consumers.box?.open(row.secretSealed) ?? null;
  }

  async issueRequestToken(clientId: string, recordId: string, callbackUrl: string): Promise<IssuedPair> {
    const pair = this.newPair();
    const now = new Date();
    await this.pruneExpiredRequests(now);
    await this.transactions.run((tx) =>
      tx.getRepository(OAuth1Token).insert({
        ...this.blank(pair, 'request', clientId, recordId, now),
        callbackUrl,
        expiresAt: new Date(now.getTime() + REQUEST_TOKEN_TTL_SECONDS * 1000),
      }),
    );
    return pair;
  }

  /** Ties a request token to the first person (and browser session) who opens its authorize page. */
  async bind(row: OAuth1Token, accountId: string, sessionBinding: string): Promise<boolean> {
    if (row.accountId === null) {
      await this.transactions.run((tx) =>
        tx.getRepository(OAuth1Token).update({ tokenHash: row.tokenHash, accountId: IsNull() }, { accountId, sessionBinding }),
      );
    }
    const bound = await this.tokens.findOne({ where: { tokenHash: row.tokenHash } });
    return bound?.accountId === accountId && bound.sessionBinding === sessionBinding;
  }

  /** The decision, exactly once (inside the install transaction for Allow). */
  async decide(tx: EntityManager, row: OAuth1Token, denied: boolean): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(OAuth1Token)
      .set({ decidedAt: new Date(), denied })
      .where('token_hash = :hash AND decided_at IS NULL AND used_at IS NULL', { hash: row.tokenHash })
      .execute();
    return result.affected === 1;
  }

  /** After Allow, in the install transaction: the installation and a new verifier. */
  async authorize(tx: EntityManager, row: OAuth1Token, installationId: string): Promise<string> {
    const verifier = randomToken(24);
    await tx.getRepository(OAuth1Token).update({ tokenHash: row.tokenHash }, { installationId, verifierHash: sha256(verifier) });
    return verifier;
  }

  /**
   * RFC 5849 §2.3: request token + verifier → access token. The request token is spent by any
   * attempt, right or wrong (single use; a wrong verifier cannot be retried).
   */
  async exchange(row: OAuth1Token, verifier: string): Promise<(IssuedPair & { recordId: string; accountId: string }) | null> {
    return this.transactions.run(async (tx) => {
      const spent = await tx
        .createQueryBuilder()
        .update(OAuth1Token)
        .set({ usedAt: new Date() })
        .where('token_hash = :hash AND used_at IS NULL', { hash: row.tokenHash })
        .execute();
      const fresh = await tx.getRepository(OAuth1Token).findOne({ where: { tokenHash: row.tokenHash } });
      if (spent.affected !== 1 || !fresh || fresh.denied || !fresh.verifierHash || !fresh.installationId || !fresh.accountId) {
        return null;
      }
      if (!constantTimeEquals(sha256(verifier), fresh.verifierHash) || !(await this.installations.connect(tx, fresh.installationId))) {
        return null;
      }
      const pair = this.newPair();
      await tx.getRepository(OAuth1Token).insert({
        ...this.blank(pair, 'access', fresh.clientId, fresh.recordId, new Date()),
        accountId: fresh.accountId,
        installationId: fresh.installationId,
      });
      return { ...pair, recordId: fresh.recordId, accountId: fresh.accountId };
    });
  }

  /** What a bearer token would give: the access token's installation, while it is active. */
  async tokenInfo(row: OAuth1Token): Promise<TokenInfo | null> {
    if (row.kind !== 'access' || !row.installationId || !row.accountId || !(await this.installations.findActive(row.installationId))) {
      return null;
    }
    return { clientId: row.clientId, installationId: row.installationId, accountId: row.accountId, scope: ['app'] };
  }

  /** True while the installation has an OAuth 1.0a access token (Connected apps: "connected"). */
  async hasAccessToken(installationId: string): Promise<boolean> {
    return (await this.tokens.count({ where: { installationId, kind: 'access' } })) > 0;
  }

  /** Uninstall hook: every token of the installation ends with it. */
  async dropInstallation(tx: EntityManager, installationId: string): Promise<void> {
    await tx.getRepository(OAuth1Token).delete({ installationId });
  }

  // request tokens never exchanged would pile up: at most once a minute per instance, drop the
  // expired ones (an authorized one's pending installation is swept with its tokens anyway)
  private async pruneExpiredRequests(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < 60_000) {
      return;
    }
    this.lastPrune = now.getTime();
    await this.transactions.run((tx) => tx.getRepository(OAuth1Token).delete({ kind: 'request', expiresAt: LessThan(now) }));
  }

  private newPair(): IssuedPair {
    return { token: randomToken(24), secret: randomToken(24) };
  }

  private blank(pair: IssuedPair, kind: OAuth1Token['kind'], clientId: string, recordId: string, now: Date): OAuth1Token {
    return {
      tokenHash: sha256(pair.token),
      kind,
      clientId,
      secretSealed: this.consumers.box?.seal(pair.secret) ?? '',
      recordId,
      callbackUrl: null,
      accountId: null,
      sessionBinding: null,
      installationId: null,
      verifierHash: null,
      decidedAt: null,
      denied: false,
      usedAt: null,
      expiresAt: null,
      createdAt: now,
    };
  }
}
