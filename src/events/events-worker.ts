import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CallbacksService } from './callbacks.service';
import { EventOutbox } from './event-outbox.service';
import { RateCounters } from './rate-counters.service';
import { Scheduler } from './scheduler.service';
import { WakeUp } from './wake-up';

const PRUNE_EVERY_MS = 60 * 1000;

// One background loop: runs `work` when triggered or every `intervalMs`, never twice at once;
// a trigger during a run makes it run once more.
class Loop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly name: string,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.trigger(), intervalMs);
    this.trigger();
  }

  trigger(): void {
    if (!this.timer) {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runUntilQuiet().finally(() => {
      this.running = null;
    });
  }

  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.running;
  }

  private async runUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.work();
      } catch (err) {
        this.logger.error(`${this.name} loop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    } while (this.again && this.timer);
  }
}

// The loops of `npm start`: event deliveries, due jobs and callbacks, each on its own so a slow
// callback receiver never holds up event handlers. Started by main.ts (tests drive drain() and
// tick() themselves, or call start()); stopped when the app closes.
@Injectable()
export class EventsWorker implements OnModuleDestroy {
  private readonly logger = new Logger(EventsWorker.name);
  private readonly loops: Loop[];
  private lastPrune = 0;
  private started = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    outbox: EventOutbox,
    scheduler: Scheduler,
    callbacks: CallbacksService,
    private readonly counters: RateCounters,
    wakeUp: WakeUp,
  ) {
    this.loops = [
      new Loop('event outbox', () => outbox.drain(), this.logger),
      new Loop('scheduler', async () => {
        await scheduler.tick();
        await this.pruneNowAndThen();
      }, this.logger),
      new Loop('callbacks', () => callbacks.drain(), this.logger),
    ];
    wakeUp.onWake(() => this.loops.forEach((l) => l.trigger()));
  }

  /** Starts the loops unless EVENTS_WORKER=false; overdue jobs and undelivered events run at once. */
  start(): void {
    if (this.started || !this.config.events.worker) {
      return;
    }
    this.started = true;
    this.loops.forEach((l) => l.start(this.config.events.pollMs));
    this.logger.log(`events worker started (polling every ${this.config.events.pollMs} ms)`);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.counters.prune();
    }
  }
}
