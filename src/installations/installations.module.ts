import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocationsModule } from '../locations/locations.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { ActivityLog } from './activity-log.entity';
import { AppLog } from './app-log.entity';
import { AppLogsService } from './app-logs.service';
import { DeviceGrant } from './device-grant.entity';
import { InstallationContextCache } from './installation-context-cache';
import { InstallationLifecycle } from './installation-lifecycle.service';
import { InstallationRuntime } from './installation-runtime.service';
import { Installation } from './installation.entity';
import { InstallationsService } from './installations.service';
import { UsageBuffer } from './usage-buffer.service';

@Module({
  imports: [TypeOrmModule.forFeature([Installation, DeviceGrant, ActivityLog, AppLog]), LocationsModule, SmartAppsModule, SandboxModule],
  providers: [InstallationsService, InstallationRuntime, InstallationLifecycle, AppLogsService, InstallationContextCache, UsageBuffer],
  exports: [InstallationsService, InstallationRuntime, InstallationLifecycle, AppLogsService, UsageBuffer],
})
export class InstallationsModule {}
