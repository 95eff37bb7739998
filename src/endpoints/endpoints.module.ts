import { Module } from '@nestjs/common';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { EndpointsController } from './endpoints.controller';
import { EndpointsService } from './endpoints.service';

@Module({
  imports: [OAuthModule, InstallationsModule, LocationsModule],
  controllers: [EndpointsController],
  providers: [EndpointsService],
})
export class EndpointsModule {}
