import { Global, Module } from '@nestjs/common';
import { Invalidations } from './invalidations.service';

/** The caches' invalidation bus, for every module that writes what a cache holds (docs/performance.md). */
@Global()
@Module({
  providers: [Invalidations],
  exports: [Invalidations],
})
export class InvalidationModule {}
