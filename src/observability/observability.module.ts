import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

// Metrics (and the logging helpers beside it, used by app.setup.ts). Needs the sandbox's and the
// callbacks' observers; reads the outbox and the pool when scraped.
@Module({
  imports: [SandboxModule, EventsModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class ObservabilityModule {}
