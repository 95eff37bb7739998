import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { SmartAppsModule } from '../smartapps/smartapps.module';
import { NotificationEffects } from './notification-effects';
import { NotificationPages } from './notification-pages.service';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { UnreadCountMiddleware } from './unread-count.middleware';

// ctx.sendPush / ctx.sendNotification: stored for the location's owner, shown on /notifications with
// an unread count in the navigation, and posted to the client's callback when it has one.
@Module({
  imports: [TypeOrmModule.forFeature([Notification]), InstallationsModule, LocationsModule, SmartAppsModule, OAuthModule, EventsModule],
  controllers: [NotificationsController],
  providers: [NotificationsService, NotificationPages, NotificationEffects, UnreadCountMiddleware],
  exports: [NotificationsService],
})
export class NotificationsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(UnreadCountMiddleware).forRoutes('{*splat}');
  }
}
