import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SmartAppVersion } from './smartapp-version.entity';
import { SmartApp } from './smartapp.entity';
import { SmartAppsService } from './smartapps.service';

@Module({
  imports: [TypeOrmModule.forFeature([SmartApp, SmartAppVersion]), SandboxModule],
  providers: [SmartAppsService],
  exports: [SmartAppsService],
})
export class SmartAppsModule {}
