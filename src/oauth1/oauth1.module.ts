import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { LaunchController } from './launch.controller';
import { LaunchService } from './launch.service';
import { ManifestController } from './manifest.controller';
import { NonceStore } from './nonce-store';
import { OAuth1AuthorizeController } from './oauth1-authorize.controller';
import { OAuth1AuthorizeMiddleware } from './oauth1-authorize.middleware';
import { OAuth1AuthorizeService } from './oauth1-authorize.service';
import { OAuth1Consumer } from './oauth1-consumer.entity';
import { OAuth1ConsumersService } from './oauth1-consumers.service';
import { OAuth1DebugController } from './oauth1-debug.controller';
import { OAuth1EndpointsController } from './oauth1-endpoints.controller';
import { OAuth1FlowService } from './oauth1-flow.service';
import { OAuth1Nonce } from './oauth1-nonce.entity';
import { OAuth1PreferencesPage } from './oauth1-preferences.page';
import { OAuth1Token } from './oauth1-token.entity';
import { OAuth1TokensService } from './oauth1-tokens.service';
import { SignedRequestVerifier } from './signed-request-verifier';
import { SignedRestAuthService } from './signed-rest-auth.service';

// SMART's OAuth 1.0a door (RFC 5849) into the same installations: manifest, launch page, request
// token, authorize (shared path with OAuth2), access token, signed REST calls and a debugger.
@Module({
  imports: [TypeOrmModule.forFeature([OAuth1Consumer, OAuth1Token, OAuth1Nonce]), OAuthModule, InstallationsModule, LocationsModule, SmartAppsModule],
  controllers: [ManifestController, LaunchController, OAuth1EndpointsController, OAuth1AuthorizeController, OAuth1DebugController],
  providers: [
    OAuth1ConsumersService,
    OAuth1TokensService,
    NonceStore,
    SignedRequestVerifier,
    OAuth1FlowService,
    OAuth1AuthorizeService,
    OAuth1PreferencesPage,
    LaunchService,
    SignedRestAuthService,
  ],
  exports: [OAuth1ConsumersService, OAuth1TokensService, SignedRestAuthService],
})
export class OAuth1Module implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OAuth1AuthorizeMiddleware).forRoutes({ path: 'oauth/authorize', method: RequestMethod.GET });
  }
}
