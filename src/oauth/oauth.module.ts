import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsCleanupModule } from '../events/events-cleanup.module';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { AccessToken } from './access-token.entity';
import { TokenCache } from './token-cache';
import { AuthorizationCode } from './authorization-code.entity';
import { AuthorizeTransaction } from './authorize-transaction.entity';
import { AuthorizeController } from './authorize.controller';
import { AuthorizeService } from './authorize.service';
import { BearerAuthService } from './bearer-auth.service';
import { ClientsService } from './clients.service';
import { OAuthClient } from './oauth-client.entity';
import { RefreshToken } from './refresh-token.entity';
import { TokenController } from './token.controller';
import { TokenEndpoint } from './token-endpoint';
import { TokensService } from './tokens.service';
import { UninstallService } from './uninstall.service';
import { OAuthHousekeeping } from './oauth-housekeeping.service';
import { ClientAuthenticator } from './client-authenticator';
import { FailureLimiter } from '../common/failure-limiter';
import { MetadataController } from './metadata.controller';
import { DebugController } from './debug.controller';
import { DebugTokensService } from './debug-tokens.service';
import { TokenManagementController } from './token-management.controller';
import { IntrospectionEndpoint } from './introspection.endpoint';

@Module({
  imports: [
    TypeOrmModule.forFeature([OAuthClient, AuthorizationCode, AccessToken, RefreshToken, AuthorizeTransaction]),
    InstallationsModule,
    EventsCleanupModule,
    LocationsModule,
    SmartAppsModule,
  ],
  controllers: [AuthorizeController, TokenController, TokenManagementController, MetadataController, DebugController],
  providers: [
    // 20 failed client authentications per client and address in 5 minutes, then a 5-minute wait
    { provide: FailureLimiter, useFactory: () => new FailureLimiter(20, 5 * 60 * 1000) },
    ClientAuthenticator,
    OAuthHousekeeping,
    DebugTokensService,
    ClientsService, TokensService, AuthorizeService, TokenEndpoint, BearerAuthService, UninstallService,
    TokenCache,
    IntrospectionEndpoint],
  exports: [ClientsService, TokensService, BearerAuthService, UninstallService, OAuthHousekeeping],
})
export class OAuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(IntrospectionEndpoint).forRoutes({ path: 'oauth/introspect', method: RequestMethod.POST });
  }
}
