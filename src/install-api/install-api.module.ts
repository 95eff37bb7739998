import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { InstallationsModule } from '../installations/installations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { InstallApiController } from './install-api.controller';
import { InstallApiFrontDoor } from './install-api.front-door';
import { InstallApiService } from './install-api.service';

@Module({
  imports: [OAuthModule, InstallationsModule, SmartAppsModule, EventsModule],
  controllers: [InstallApiController],
  providers: [InstallApiService, InstallApiFrontDoor],
  exports: [InstallApiFrontDoor],
})
export class InstallApiModule {}
