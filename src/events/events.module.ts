import { Module } from '@nestjs/common';
import { InstallationsModule } from '../installations/installations.module';
import { LocationsModule } from '../locations/locations.module';
import { OAuthModule } from '../oauth/oauth.module';
import { CallbacksService } from './callbacks.service';
import { EventEffects } from './event-effects';
import { EventOutbox } from './event-outbox.service';
import { EventsWorker } from './events-worker';
import { HandlerBudget } from './handler-budget.service';
import { InstallRateLimit } from './install-rate-limit.service';
import { InstanceIdentity } from './instance-identity';
import { RateCounters } from './rate-counters.service';
import { RateTally } from './rate-tally.service';
import { Scheduler } from './scheduler.service';
import { SubscriptionsService } from './subscriptions.service';
import { WakeUp } from './wake-up';

// Subscriptions, the event outbox, schedules, outgoing callbacks and the install-URL rate limit.
// Provides: EventsWorker (started by main.ts), InstallRateLimit (install-api), and the outbox,
// scheduler and callbacks with their drain()/tick() for tests. Needs: installations (run
// handlers), locations (device changes, time zones), oauth (callback prefixes and secrets).
@Module({
  imports: [InstallationsModule, LocationsModule, OAuthModule],
  providers: [
    InstanceIdentity,
    WakeUp,
    RateCounters,
    RateTally,
    InstallRateLimit,
    HandlerBudget,
    SubscriptionsService,
    EventOutbox,
    Scheduler,
    CallbacksService,
    EventEffects,
    EventsWorker,
  ],
  exports: [InstallRateLimit, EventOutbox, Scheduler, CallbacksService, EventsWorker, RateTally],
})
export class EventsModule {}
