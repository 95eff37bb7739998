import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SandboxModule } from '../sandbox/sandbox.module';
import { EventLoopLag } from './event-loop-lag';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), SandboxModule],
  controllers: [HealthController],
  providers: [ReadinessService, EventLoopLag],
  exports: [EventLoopLag],
})
export class HealthModule {}
