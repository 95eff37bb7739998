import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { CallbacksService } from './callbacks.service';
import { Heartbeat } from './claims/claim-queue';
import { Clock } from './clock';
import { EventOutbox } from './event-outbox.service';
import { InstanceIdentity } from './instance-identity';
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
    /** `keepGoing` turns false when the loop is stopping: finish the current item, claim no more */
    private readonly work: (keepGoing: () => boolean) => Promise<unknown>,
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
        await this.work(() => this.timer !== null);
      } catch (err) {
        this.logger.error(`${this.name} loop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    } while (this.again && this.timer);
  }
}

// The loops of `npm start`: event deliveries, due jobs and callbacks, each on its own so a slow
// callback receiver never holds up event handlers. Started by main.ts (tests drive drain() and
// tick() themselves, or call start()) together with the instance's heartbeat; stopped by the
// shutdown sequence (src/lifecycle) or when the app closes: each loop finishes its current item,
// this instance's claims are released and its heartbeat removed, so another instance (or the next
// start) takes over at once.
@Injectable()
export class EventsWorker implements OnModuleDestroy {
  private readonly logger = new Logger(EventsWorker.name);
  private readonly loops: Loop[];
  private readonly heartbeat: Heartbeat;
  private lastPrune = 0;
  private started = false;
  private stopping: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: EventOutbox,
    private readonly scheduler: Scheduler,
    private readonly callbacks: CallbacksService,
    private readonly counters: RateCounters,
    wakeUp: WakeUp,
    transactions: Transactions,
    clock: Clock,
    identity: InstanceIdentity,
  ) {
    this.heartbeat = new Heartbeat(transactions, clock, identity, config.events.heartbeatMs, (err) => this.logger.error(`heartbeat failed: ${String(err)}`));
    this.loops = [
      new Loop('event outbox', (keepGoing) => outbox.drain(undefined, keepGoing), this.logger),
      new Loop('scheduler', async (keepGoing) => {
        await scheduler.tick(undefined, keepGoing);
        await this.pruneNowAndThen();
      }, this.logger),
      new Loop('callbacks', (keepGoing) => callbacks.drain(undefined, keepGoing), this.logger),
    ];
    wakeUp.onWake(() => this.loops.forEach((l) => l.trigger()));
  }

  /** Starts the heartbeat and the loops unless EVENTS_WORKER=false; overdue jobs and undelivered events run at once. */
  start(): void {
    if (this.started || !this.config.events.worker) {
      return;
    }
    this.started = true;
    // the first claim beats too (ClaimQueue), so the loops need not wait for this one
    this.heartbeat.start().catch((err: unknown) => this.logger.error(`heartbeat failed: ${String(err)}`));
    this.loops.forEach((l) => l.start(this.config.events.pollMs));
    this.logger.log(`events worker started (polling every ${this.config.events.pollMs} ms, heartbeat every ${this.config.events.heartbeatMs} ms)`);
  }

  /** Stops the loops after their current item, then hands this instance's claims back. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async stopNow(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
    if (!this.started) {
      return;
    }
    try {
      await this.outbox.releaseClaims();
      await this.scheduler.releaseClaims();
      await this.callbacks.releaseClaims();
      await this.heartbeat.stop();
    } catch (err) {
      // the database may be gone already: the claims then lapse with the heartbeat
      this.logger.warn(`could not hand back this instance's claims: ${String(err)}`);
    }
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.counters.prune();
    }
  }
}
