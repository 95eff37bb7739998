import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module';
import { AccessGuard } from './common/access.guard';
import { ErrorFilter } from './common/error.filter';
import { AppConfig } from './config/app-config';
import { CatalogModule } from './catalog/catalog.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DeveloperModule } from './developer/developer.module';
import { EndpointsModule } from './endpoints/endpoints.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { InstallApiModule } from './install-api/install-api.module';
import { InstallationsModule } from './installations/installations.module';
import { LocationsModule } from './locations/locations.module';
import { OAuthModule } from './oauth/oauth.module';
import { OAuth1Module } from './oauth1/oauth1.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { RegistrationModule } from './registration/registration.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { SeedModule } from './seed/seed.module';
import { SmartAppsModule } from './smartapps/smartapps.module';
import { WebModule } from './web/web.module';
import { InvalidationModule } from './invalidation/invalidation.module';
import { NotificationsModule } from './notifications/notifications.module';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        AccountsModule,
        LocationsModule,
        SandboxModule,
        SmartAppsModule,
        InstallationsModule,
        OAuthModule,
        RegistrationModule,
        HousekeepingModule,
        EndpointsModule,
        InstallApiModule,
        EventsModule,
        DeveloperModule,
        CatalogModule,
        SeedModule,
        WebModule,
        HealthModule,
        ObservabilityModule,
        InvalidationModule,
        OAuth1Module,
        NotificationsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
