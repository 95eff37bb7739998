import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule } from '../accounts/accounts.module';
import { InstallationsModule } from '../installations/installations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { OAuth1Module } from '../oauth1/oauth1.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { DeveloperApiController } from './developer-api.controller';
import { DeveloperConsoleController } from './developer-console.controller';
import { DeveloperConsoleService } from './developer-console.service';
import { DeveloperSmartAppsService } from './developer-smartapps.service';
import { DeveloperToken } from './developer-token.entity';
import { DeveloperTokensService } from './developer-tokens.service';
import { SmartAppOAuthService } from './smartapp-oauth.service';

// SmartApp authors: API tokens (the access guard's 'developer' policy), the developer API, the console.
@Module({
  imports: [TypeOrmModule.forFeature([DeveloperToken]), AccountsModule, SmartAppsModule, InstallationsModule, OAuthModule, SandboxModule, OAuth1Module],
  controllers: [DeveloperApiController, DeveloperConsoleController],
  providers: [DeveloperTokensService, DeveloperSmartAppsService, SmartAppOAuthService, DeveloperConsoleService],
  exports: [DeveloperTokensService],
})
export class DeveloperModule {}
