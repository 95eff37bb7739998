import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { DeveloperModule } from '../developer/developer.module';
import { LocationsModule } from '../locations/locations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { DemoSeedService } from './demo-seed.service';

@Module({
  imports: [AccountsModule, LocationsModule, SmartAppsModule, OAuthModule, DeveloperModule],
  providers: [DemoSeedService],
  exports: [DemoSeedService],
})
export class SeedModule {}
