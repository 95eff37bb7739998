import { Module } from '@nestjs/common';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { AppsController } from './apps.controller';
import { ConnectedAppsService } from './connected-apps.service';
import { DevicePagesService } from './device-pages.service';
import { DevicesController } from './devices.controller';
import { HomeController } from './home.controller';
import { HomeService } from './home.service';
import { LocationPagesService } from './location-pages.service';
import { LocationsController } from './locations.controller';
import { OAuth1Module } from '../oauth1/oauth1.module';

// The user's pages: home, locations and devices, connected apps. Rules live in the services.
@Module({
  imports: [LocationsModule, InstallationsModule, SmartAppsModule, OAuthModule, OAuth1Module],
  controllers: [HomeController, LocationsController, DevicesController, AppsController],
  providers: [HomeService, LocationPagesService, DevicePagesService, ConnectedAppsService],
})
export class WebModule {}
