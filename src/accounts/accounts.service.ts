import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, LessThan, Repository } from 'typeorm';
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
  ) {}

  /** Housekeeping: sessions past their expiry. Returns how many went. */
  async deleteExpiredSessions(now: Date): Promise<number> {
    return (await this.sessions.delete({ expiresAt: LessThan(now) })).affected ?? 0;
  }

  async signUp(input: { name: string; email: string; password: string; role?: AccountRole }, manager?: EntityManager): Promise<AccountSummary> {
    const repo = manager ? manager.getRepository(Account) : this.accounts;
    const email = input.email.trim().toLowerCase();
    if (await repo.findOne({ where: { email } })) {
      throw new EmailTakenError();
    }
    const account = repo.create({
      id: randomUUID(),
      email,
      name: input.name.trim(),
      passwordHash: await hashPassword(input.password),
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
    await this.accounts.update({ id: accountId }, { role });
  }

  async count(): Promise<number> {
    return this.accounts.count();
  }
}

function toSummary(account: Account): AccountSummary {
  return { id: account.id, email: account.email, name: account.name, role: account.role };
}
