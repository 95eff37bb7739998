import { Module } from '@nestjs/common';
import { EventsCleanupService } from './events-cleanup.service';

// Split from EventsModule so the oauth module (uninstall) can use it: EventsModule itself needs
// the oauth module's clients for callback prefixes and secrets.
@Module({
  providers: [EventsCleanupService],
  exports: [EventsCleanupService],
})
export class EventsCleanupModule {}
