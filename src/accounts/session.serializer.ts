import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import { AccountsService, AccountSummary } from './accounts.service';

// passport is a process-wide singleton and keeps every serializer ever registered; after this app
// shuts down (tests start several apps in one process) its serializer steps aside with 'pass'.
const PASS = 'pass' as unknown as Error;

@Injectable()
export class SessionSerializer extends PassportSerializer implements OnApplicationShutdown {
  private closed = false;

  constructor(private readonly accounts: AccountsService) {
    super();
  }

  onApplicationShutdown(): void {
    this.closed = true;
  }

  serializeUser(account: AccountSummary, done: (err: Error | null, id?: string) => void): void {
    if (this.closed) {
      return done(PASS);
    }
    done(null, account.id);
  }

  deserializeUser(id: string, done: (err: Error | null, account?: AccountSummary | false) => void): void {
    if (this.closed) {
      return done(PASS);
    }
    this.accounts
      .findById(id)
      .then((account) => done(null, account ?? false))
      .catch((err: Error) => done(err));
  }
}
