import { Module } from '@nestjs/common';
import { OAuthModule } from '../oauth/oauth.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

// POST /oauth/register and RFC 7592 client management.
@Module({
  imports: [OAuthModule, SmartAppsModule],
  controllers: [RegistrationController],
  providers: [RegistrationService],
})
export class RegistrationModule {}
