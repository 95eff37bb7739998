import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { InstallationsModule } from '../installations/installations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { Housekeeping } from './housekeeping.service';

@Module({
  imports: [AccountsModule, OAuthModule, InstallationsModule],
  providers: [Housekeeping],
  exports: [Housekeeping],
})
export class HousekeepingModule {}
