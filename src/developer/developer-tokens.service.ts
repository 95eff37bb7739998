import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { AccountsService, AccountSummary } from '../accounts/accounts.service';
import { InvalidTokenError } from '../common/api-errors';
import { randomToken, sha256 } from '../common/secrets';
import { Transactions } from '../database/transactions';
import { DeveloperToken } from './developer-token.entity';

export interface DeveloperTokenView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

// a recognisable prefix lets secret scanners and people tell a developer token from an OAuth token
const TOKEN_PREFIX = 'sadev_';
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export function isDeveloper(account: Pick<AccountSummary, 'role'>): boolean {
  return account.role === 'developer' || account.role === 'admin';
}

// Developer API tokens: created on the console (shown once), stored as SHA-256, checked by the access guard.
@Injectable()
export class DeveloperTokensService {
  constructor(
    @InjectRepository(DeveloperToken) private readonly tokens: Repository<DeveloperToken>,
    private readonly accounts: AccountsService,
    private readonly transactions: Transactions,
  ) {}

  /** A new token for a developer; the clear value is returned once and never stored. */
  async create(developer: AccountSummary, name: string): Promise<{ token: string; view: DeveloperTokenView }> {
    const token = `${TOKEN_PREFIX}${randomToken(32)}`;
    return { token, view: await this.transactions.run((tx) => this.store(tx, developer.id, name, token)) };
  }

  /** Stores a token whose value is given (the demo seed's well-known `demo-developer-token`). */
  async createWithValue(accountId: string, name: string, token: string, manager: EntityManager): Promise<DeveloperTokenView> {
    return this.store(manager, accountId, name, token);
  }

  async listFor(accountId: string): Promise<DeveloperTokenView[]> {
    const rows = await this.tokens.find({ where: { accountId }, order: { createdAt: 'DESC', id: 'ASC' } });
    return rows.map(toView);
  }

  /** Deletes one of the developer's tokens; false when it is not theirs. */
  async revoke(accountId: string, tokenId: string): Promise<boolean> {
    const result = await this.transactions.run((tx) => tx.getRepository(DeveloperToken).delete({ id: tokenId, accountId }));
    return (result.affected ?? 0) > 0;
  }

  /** The developer behind `Authorization: Bearer <developer token>`, or a 401 invalid_token. */
  async authenticate(req: Request): Promise<AccountSummary> {
    const header = req.headers.authorization;
    if (header === undefined) {
      throw new InvalidTokenError('A developer API token is required: Authorization: Bearer <token>');
    }
    const match = BEARER.exec(header.trim());
    if (!match) {
      throw new InvalidTokenError('The Authorization header must be "Bearer <token>"');
    }
    const row = await this.tokens.findOne({ where: { tokenHash: sha256(match[1]) } });
    const account = row ? await this.accounts.findById(row.accountId) : null;
    if (!row || !account) {
      throw new InvalidTokenError('The developer token is invalid or was revoked');
    }
    if (!isDeveloper(account)) {
      throw new InvalidTokenError('The account of this token is not a developer account');
    }
    // at most one write a minute per token: "last used" is for the console, not an audit trail
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      await this.transactions.run((tx) => tx.getRepository(DeveloperToken).update({ id: row.id }, { lastUsedAt: new Date() }));
    }
    return account;
  }

  private async store(manager: EntityManager, accountId: string, name: string, token: string): Promise<DeveloperTokenView> {
    const row: DeveloperToken = { id: randomUUID(), accountId, name: name.trim() || 'API token', tokenHash: sha256(token), createdAt: new Date(), lastUsedAt: null };
    await manager.getRepository(DeveloperToken).insert(row);
    return toView(row);
  }
}

function toView(row: DeveloperToken): DeveloperTokenView {
  return { id: row.id, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt };
}
