import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Transactions } from '../database/transactions';
import { InstallationRuntime } from '../installations/installation-runtime.service';
import { InstallationsService } from '../installations/installations.service';
import type { DeviceChange } from '../locations/devices.service';
import type { SandboxEvent } from '../sandbox/sandbox.types';
import { backoffMs, CLAIM_TIMEOUT_MS, claimRows } from './claims';
import { Clock } from './clock';
import { markWorkPending } from './commit-signal';
import { EventDelivery } from './event-delivery.entity';
import { HandlerBudget } from './handler-budget.service';
import { InstanceIdentity } from './instance-identity';
import { insertable } from './row-insert';
import { SubscriptionsService } from './subscriptions.service';
import { WakeUp } from './wake-up';

const HEADS_PER_ROUND = 8;
const MAX_ATTEMPTS = 8;

/** What a handler sees as evt.source: the platform's internal ids of other installations stay inside. */
function eventSource(source: string): string {
  return source.startsWith('installation:') ? 'app' : source;
}

// Device change → handlers. `enqueue` runs inside the change's transaction (a DevicesService
// change listener), so a change and its deliveries commit or vanish together; `drain` runs the
// handlers afterwards, one delivery at a time per installation, oldest first, deleting each row
// only after its handler ran (at least once: a crash in between runs it again).
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly clock: Clock,
    private readonly identity: InstanceIdentity,
    private readonly subscriptions: SubscriptionsService,
    private readonly runtime: InstallationRuntime,
    private readonly installations: InstallationsService,
    private readonly budget: HandlerBudget,
    private readonly wakeUp: WakeUp,
  ) {}

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
  async drain(max = 1000): Promise<number> {
    let ran = 0;
    while (ran < max) {
      const claimed = await this.claimHeads();
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

  // Only the oldest row of each installation may be claimed, so a second instance never runs an
  // installation's later event while the earlier one is still running.
  private claimHeads(): Promise<EventDelivery[]> {
    return this.transactions.run(async (tx) => {
      const now = this.clock.now();
      const staleBefore = new Date(now.getTime() - CLAIM_TIMEOUT_MS);
      const repo = tx.getRepository(EventDelivery);
      const heads = await repo
        .createQueryBuilder('d')
        .select('MIN(d.seq)', 'seq')
        .groupBy('d.installation_id')
        .orderBy('MIN(d.seq)', 'ASC')
        .limit(HEADS_PER_ROUND * 4)
        .getRawMany<{ seq: number | string }>();
      if (heads.length === 0) {
        return [];
      }
      const rows = await repo.find({ where: { seq: In(heads.map((h) => Number(h.seq))) }, order: { seq: 'ASC' } });
      const due = rows.filter((r) => r.nextAttemptAt.getTime() <= now.getTime() && (r.claimedBy === null || (r.claimedAt !== null && r.claimedAt < staleBefore)));
      return claimRows(tx, EventDelivery, due.slice(0, HEADS_PER_ROUND), { column: 'seq', of: (row) => row.seq }, this.identity.id, now);
    });
  }

  private async deliver(delivery: EventDelivery): Promise<void> {
    const what = `${delivery.handler}(${delivery.event.name} ${JSON.stringify(delivery.event.value)})`;
    try {
      if (await this.budget.take(delivery.installationId, what)) {
        await this.runtime.invoke(
          delivery.installationId,
          { kind: 'event', name: delivery.handler },
          { params: {}, body: null, headers: {}, event: delivery.event },
        );
      }
      // 'failed' (the handler threw) is the app's bug and already in its log: not retried
      await this.transactions.run((tx) => tx.getRepository(EventDelivery).delete({ seq: delivery.seq, claimedBy: this.identity.id }));
    } catch (err) {
      this.logger.error(`delivering event ${delivery.seq} to installation ${delivery.installationId} failed: ${String(err)}`);
      await this.retryLater(delivery);
    }
  }

  private async retryLater(delivery: EventDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    await this.transactions.run(async (tx) => {
      const repo = tx.getRepository(EventDelivery);
      if (attempts >= MAX_ATTEMPTS) {
        await repo.delete({ seq: delivery.seq, claimedBy: this.identity.id });
        await this.installations.recordActivity(delivery.installationId, 'event', `Gave up delivering ${delivery.event.name} to ${delivery.handler} after ${attempts} attempts`, tx);
        return;
      }
      const next = new Date(this.clock.now().getTime() + backoffMs(attempts, 1000, 5 * 60 * 1000));
      await repo.update({ seq: delivery.seq, claimedBy: this.identity.id }, { attempts, nextAttemptAt: next, claimedBy: null, claimedAt: null });
    });
  }
}
