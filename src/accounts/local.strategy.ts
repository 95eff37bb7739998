import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { AccountsService, AccountSummary } from './accounts.service';

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly accounts: AccountsService) {
    super({ usernameField: 'email', passwordField: 'password' });
  }

  // null (not an exception) so the log-in page can re-render with a message
  async validate(email: string, password: string): Promise<AccountSummary | false> {
    return (await this.accounts.verifyCredentials(email, password)) ?? false;
  }
}
