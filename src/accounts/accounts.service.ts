import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, LessThan, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { BrowserSession } from './browser-session.entity';
import { Account, AccountRole } from './account.entity';
import { hashPassword, UNKNOWN_ACCOUNT_HASH, verifyPassword } from './password';

export class EmailTakenError extends Error {
  constructor() {
    super('An account with this email already exists');
  }
}

export interface AccountSummary {
  id: string;
  email: string;
  name: string;
  role: AccountRole;
}

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(BrowserSession) private readonly sessions: Repository<BrowserSession>,
    private readonly transactions: Transactions,
  ) {}

  /** Housekeeping: sessions past their expiry. Returns how many went. */
  async deleteExpiredSessions(now: Date): Promise<number> {
    return (await this.transactions.run((tx) => tx.getRepository(BrowserSession).delete({ expiresAt: LessThan(now) }))).affected ?? 0;
  }

  async signUp(input: { name: string; email: string; password: string; role?: AccountRole }, manager?: EntityManager): Promise<AccountSummary> {
    // the slow hash first: no transaction waits for it
    const passwordHash = await hashPassword(input.password);
    if (!manager) {
      return this.transactions.run((tx) => this.insertAccount(tx, input, passwordHash));
    }
    return this.insertAccount(manager, input, passwordHash);
  }

  private async insertAccount(manager: EntityManager, input: { name: string; email: string; role?: AccountRole }, passwordHash: string): Promise<AccountSummary> {
    const repo = manager.getRepository(Account);
    const email = input.email.trim().toLowerCase();
    if (await repo.findOne({ where: { email } })) {
      throw new EmailTakenError();
    }
    const account = repo.create({
      id: randomUUID(),
      email,
      name: input.name.trim(),
      passwordHash,
      role: input.role ?? 'user',
      createdAt: new Date(),
    });
    await repo.insert(account);
    return toSummary(account);
  }

  /** The same work and the same answer whether the email is unknown or the password wrong. */
  async verifyCredentials(email: string, password: string): Promise<AccountSummary | null> {
    const account = await this.accounts.findOne({ where: { email: email.trim().toLowerCase() } });
    const ok = await verifyPassword(password, account?.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
    return account && ok ? toSummary(account) : null;
  }

  async findById(id: string): Promise<AccountSummary | null> {
    const account = await this.accounts.findOne({ where: { id } });
    return account ? toSummary(account) : null;
  }

  async findByEmail(email: string): Promise<AccountSummary | null> {
    const account = await this.accounts.findOne({ where: { email: email.trim().toLowerCase() } });
    return account ? toSummary(account) : null;
  }

  async setRole(accountId: string, role: AccountRole): Promise<void> {
    await this.transactions.run((tx) => tx.getRepository(Account).update({ id: accountId }, { role }));
  }

  async count(): Promise<number> {
    return this.accounts.count();
  }
}

function toSummary(account: Account): AccountSummary {
  return { id: account.id, email: account.email, name: account.name, role: account.role };
}
