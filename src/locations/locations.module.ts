import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceEvent } from './device-event.entity';
import { Device } from './device.entity';
import { DevicesService } from './devices.service';
import { Location } from './location.entity';
import { LocationsService } from './locations.service';

@Module({
  imports: [TypeOrmModule.forFeature([Location, Device, DeviceEvent])],
  providers: [LocationsService, DevicesService],
  exports: [LocationsService, DevicesService],
})
export class LocationsModule {}
