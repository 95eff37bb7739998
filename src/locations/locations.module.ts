import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceEvent } from './device-event.entity';
import { Device } from './device.entity';
import { DevicesService } from './devices.service';
import { Location } from './location.entity';
import { LocationMode } from './location-mode.entity';
import { LocationsService } from './locations.service';

@Module({
  imports: [TypeOrmModule.forFeature([Location, Device, DeviceEvent, LocationMode])],
  providers: [LocationsService, DevicesService],
  exports: [LocationsService, DevicesService],
})
export class LocationsModule {}
