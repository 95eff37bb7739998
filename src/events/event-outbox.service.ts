import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { InstallationRuntime } from '../installations/installation-runtime.service';
import type { DeviceChange } from '../locations/devices.service';
import type { ModeChange } from '../locations/locations.service';
import type { SandboxEvent, SandboxLocationEvent } from '../sandbox/sandbox.types';
import type { MatchedHandler } from './subscriptions.service';
import { backoffMs, ClaimQueue } from './claims/claim-queue';
import { Clock } from './clock';
import { markWorkPending } from './commit-signal';
import { EventDelivery } from './event-delivery.entity';
import { HandlerBudget } from './handler-budget.service';
import { InstanceIdentity } from './instance-identity';
import { insertable } from './row-insert';
import { SubscriptionsService } from './subscriptions.service';
import { WakeUp } from './wake-up';

const HEADS_PER_ROUND = 8;

/** What a handler sees as evt.source: the platform's internal ids of other installations stay inside. */
function eventSource(source: string): string {
  return source.startsWith('installation:') ? 'app' : source;
}

// Device change → handlers. `enqueue` runs inside the change's transaction (a DevicesService
// change listener), so a change and its deliveries commit or vanish together; `drain` runs the
// handlers afterwards, one delivery at a time per installation, oldest first, deleting each row
// only after its handler ran (at least once: a crash in between runs it again). A handler that
// throws is the app's bug and is not retried; a platform failure (the sandbox or the database
// unavailable) never loses the event: it is retried with backoff, as long as it takes.
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);
  // Only the oldest row of each installation may be claimed, so a second instance never runs an
  // installation's later event while the earlier one is still running.
  private readonly queue: ClaimQueue<EventDelivery>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly subscriptions: SubscriptionsService,
    private readonly runtime: InstallationRuntime,
    private readonly budget: HandlerBudget,
    private readonly wakeUp: WakeUp,
  ) {
    this.queue = new ClaimQueue<EventDelivery>(
      {
        entity: EventDelivery,
        table: 'event_deliveries',
        key: { column: 'seq', of: (row) => row.seq },
        dueColumn: 'next_attempt_at',
        order: ['seq'],
        group: { column: 'installation_id', mode: 'head' },
        batch: HEADS_PER_ROUND,
      },
      transactions,
      clock,
      identity,
      config.events,
    );
  }

  async enqueue(tx: EntityManager, change: DeviceChange): Promise<void> {
    const handlers = await this.subscriptions.handlersFor(tx, change);
    if (handlers.length === 0) {
      return;
    }
    const event: SandboxEvent = {
      deviceId: change.deviceId,
      displayName: change.displayName,
      name: change.attribute,
      value: change.value,
      unit: change.unit,
      date: change.at.toISOString(),
      source: eventSource(change.source),
    };
    await this.insertDeliveries(tx, handlers, event);
  }

  /** A location's mode changed (in `tx`): one delivery per subscribed handler, as for device changes. */
  async enqueueMode(tx: EntityManager, change: ModeChange): Promise<void> {
    const handlers = await this.subscriptions.handlersForMode(tx, change);
    if (handlers.length === 0) {
      return;
    }
    const event: SandboxLocationEvent = {
      locationId: change.locationId,
      displayName: change.locationName,
      name: 'mode',
      value: change.mode,
      date: change.at.toISOString(),
      source: eventSource(change.source),
    };
    await this.insertDeliveries(tx, handlers, event);
  }

  private async insertDeliveries(tx: EntityManager, handlers: MatchedHandler[], event: SandboxEvent | SandboxLocationEvent): Promise<void> {
    const now = this.clock.now();
    // one insert per row keeps seq in handler order on both engines
    for (const h of handlers) {
      const row: Omit<EventDelivery, 'seq'> = {
        installationId: h.installationId,
        handler: h.handler,
        event,
        attempts: 0,
        nextAttemptAt: now,
        claimedBy: null,
        claimedAt: null,
        createdAt: now,
      };
      await tx.getRepository(EventDelivery).insert(insertable(row as EventDelivery));
    }
    markWorkPending(tx, () => this.wakeUp.wake());
  }

  /** Runs due deliveries until none is left (or `max` ran); returns how many ran. */
  async drain(max = 1000, keepGoing: () => boolean = () => true): Promise<number> {
    let ran = 0;
    while (ran < max && keepGoing()) {
      const claimed = await this.queue.claim();
      if (claimed.length === 0) {
        break;
      }
      // heads of different installations: their order relative to each other does not matter
      await Promise.all(claimed.map((d) => this.deliver(d)));
      ran += claimed.length;
    }
    return ran;
  }

  /** Pending deliveries of an installation (for tests and the activity page). */
  pendingFor(installationId: string): Promise<number> {
    return this.transactions.read((m) => m.getRepository(EventDelivery).count({ where: { installationId } }));
  }

  /** Shutdown: this instance's claims go back, so the next instance runs them at once. */
  releaseClaims(): Promise<number> {
    return this.queue.releaseMine();
  }

  private async deliver(delivery: EventDelivery): Promise<void> {
    const what = `${delivery.handler}(${delivery.event.name} ${JSON.stringify(delivery.event.value)})`;
    try {
      if (await this.budget.take(delivery.installationId, what)) {
        const outcome = await this.runtime.invoke(
          delivery.installationId,
          { kind: 'event', name: delivery.handler },
          { params: {}, body: null, headers: {}, event: delivery.event },
        );
        if (outcome.kind === 'refused') {
          // the sandbox refused it without running it (full queue, spent budget, quarantine): kept for later
          const next = new Date(this.clock.now().getTime() + outcome.retryAfterSeconds * 1000);
          await this.transactions.run((tx) => this.queue.reschedule(tx, delivery, { attempts: delivery.attempts, nextAttemptAt: next }));
          return;
        }
      }
      // 'failed' (the handler threw) is the app's bug and already in its log: not retried
      await this.transactions.run((tx) => this.queue.finish(tx, delivery));
    } catch (err) {
      // the platform failed, not the app: run it again later, never drop it
      this.logger.error(`delivering event ${delivery.seq} to installation ${delivery.installationId} failed, retrying: ${String(err)}`);
      await this.retryLater(delivery).catch((again: unknown) => this.logger.error(`event ${delivery.seq}: could not schedule its retry (its claim lapses instead): ${String(again)}`));
    }
  }

  private async retryLater(delivery: EventDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    const next = new Date(this.clock.now().getTime() + backoffMs(attempts, 1000, 5 * 60 * 1000));
    await this.transactions.run((tx) => this.queue.reschedule(tx, delivery, { attempts, nextAttemptAt: next }));
  }
}
