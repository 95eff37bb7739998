import { Module } from '@nestjs/common';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { HomeController } from './home.controller';
import { HomeService } from './home.service';

@Module({
  imports: [LocationsModule, InstallationsModule, SmartAppsModule],
  controllers: [HomeController],
  providers: [HomeService],
})
export class WebModule {}
