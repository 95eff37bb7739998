import { Module } from '@nestjs/common';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';

// End users browse published SmartApps and install one into a location without an OAuth client.
@Module({
  imports: [SmartAppsModule, InstallationsModule, LocationsModule],
  controllers: [CatalogController],
  providers: [CatalogService],
})
export class CatalogModule {}
