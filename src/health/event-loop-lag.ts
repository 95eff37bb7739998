import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** How late the event loop has been in the last window: a loop blocked by work answers nothing else. */
@Injectable()
export class EventLoopLag implements OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private lastWindowMaxMs = 0;
  private readonly rotate: NodeJS.Timeout;

  constructor() {
    this.histogram.enable();
    // a ten-second window, so one slow moment long ago does not keep an instance unready
    this.rotate = setInterval(() => {
      this.lastWindowMaxMs = this.histogram.max / 1e6;
      this.histogram.reset();
    }, 10_000);
    this.rotate.unref();
  }

  /** The worst delay in the current or the previous window, in milliseconds. */
  maxMs(): number {
    return Math.max(this.lastWindowMaxMs, this.histogram.max / 1e6);
  }

  onModuleDestroy(): void {
    clearInterval(this.rotate);
    this.histogram.disable();
  }
}
