import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import { AccountsService, AccountSummary } from './accounts.service';

@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly accounts: AccountsService) {
    super();
  }

  serializeUser(account: AccountSummary, done: (err: Error | null, id?: string) => void): void {
    done(null, account.id);
  }

  deserializeUser(id: string, done: (err: Error | null, account?: AccountSummary | false) => void): void {
    this.accounts
      .findById(id)
      .then((account) => done(null, account ?? false))
      .catch((err: Error) => done(err));
  }
}
