import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InstallationEffectsSink, InstallationRuntime } from '../installations/installation-runtime.service';
import type { Installation } from '../installations/installation.entity';
import { InstallationsService } from '../installations/installations.service';
import { DevicesService } from '../locations/devices.service';
import { LocationModeError, LocationsService } from '../locations/locations.service';
import type { Effects, LogLine } from '../sandbox/sandbox.types';
import { CallbacksService } from './callbacks.service';
import { Clock } from './clock';
import { commitSignal } from './commit-signal';
import { EventOutbox } from './event-outbox.service';
import { Scheduler } from './scheduler.service';
import { SubscriptionsService } from './subscriptions.service';
import { WakeUp } from './wake-up';

// Where the events module plugs into the rest: every device change writes the outbox in its own
// transaction (DevicesService listener), every handler's subscriptions, schedules and callbacks
// are applied in the handler's transaction (InstallationRuntime sink), and a commit that wrote
// events work wakes the worker.
@Injectable()
export class EventEffects implements InstallationEffectsSink, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly devices: DevicesService,
    private readonly runtime: InstallationRuntime,
    private readonly outbox: EventOutbox,
    private readonly subscriptions: SubscriptionsService,
    private readonly scheduler: Scheduler,
    private readonly callbacks: CallbacksService,
    private readonly wakeUp: WakeUp,
    private readonly locations: LocationsService,
    private readonly installations: InstallationsService,
  ) {}

  onModuleInit(): void {
    this.devices.onChange((tx, change) => this.outbox.enqueue(tx, change));
    this.locations.onModeChange((tx, change) => this.outbox.enqueueMode(tx, change));
    this.runtime.addEffectsSink(this);
    this.runtime.setRunContextSource({
      subscriptionsOf: (m, installationId) => this.subscriptions.listFor(m, installationId),
      httpPolicyOf: (m, clientId) => this.callbacks.httpPolicyOf(m, clientId),
    });
    this.dataSource.subscribers.push(commitSignal(() => this.wakeUp.wake()));
  }

  async apply(tx: EntityManager, installation: Pick<Installation, 'id' | 'clientId' | 'locationId'>, effects: Effects): Promise<LogLine[]> {
    const now = this.clock.now();
    return [
      ...(await this.applyLocationMode(tx, installation, effects.locationMode)),
      ...(await this.subscriptions.apply(tx, installation.id, effects.subscriptions, now, installation.locationId)),
      ...(await this.scheduler.apply(tx, installation, effects.schedules, now)),
      ...(await this.callbacks.enqueue(tx, installation, effects.callbacks, now)),
    ];
  }

  /** ctx.setLocationMode: checked against the location's modes here, recorded in the installation's activity. */
  private async applyLocationMode(tx: EntityManager, installation: Pick<Installation, 'id' | 'locationId'>, mode: string | undefined): Promise<LogLine[]> {
    if (mode === undefined) {
      return [];
    }
    try {
      const change = await this.locations.setMode(tx, installation.locationId, mode, `installation:${installation.id}`);
      if (change) {
        await this.installations.recordActivity(installation.id, 'command', `setLocationMode(${JSON.stringify(mode)}): ${change.locationName} ${change.previous} → ${mode}`, tx);
      }
      return [];
    } catch (err) {
      if (!(err instanceof LocationModeError)) {
        throw err;
      }
      return [{ level: 'warn', message: `setLocationMode(${JSON.stringify(mode.slice(0, 100))}) refused: ${err.message}` }];
    }
  }
}
