import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { OAuthModule } from '../oauth/oauth.module';
import { Housekeeping } from './housekeeping.service';

@Module({
  imports: [AccountsModule, OAuthModule],
  providers: [Housekeeping],
  exports: [Housekeeping],
})
export class HousekeepingModule {}
