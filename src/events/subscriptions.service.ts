import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { InstallationsService } from '../installations/installations.service';
import type { DeviceChange } from '../locations/devices.service';
import type { ModeChange } from '../locations/locations.service';
import type { LogLine, SubscriptionOp } from '../sandbox/sandbox.types';
import { Subscription } from './subscription.entity';

type SubscribeOp = Extract<SubscriptionOp, { op: 'subscribe' }>;

export interface MatchedHandler {
  installationId: string;
  handler: string;
}

const MAX_NAME = 100;

// A change made by an installation's own command is not delivered to that installation: a
// handler that switches the light it listens to would otherwise call itself. A subscription made
// with `ctx.subscribe(devices, attribute, handler, { includeOwn: true })` opts in.
function includesOwn(op: SubscribeOp): boolean {
  return op.includeOwn === true;
}

export function ownSource(installationId: string): string {
  return `installation:${installationId}`;
}

@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly installations: InstallationsService,
  ) {}

  /** Applies ctx.subscribe / ctx.unsubscribe in the order the handler called them; returns why any was refused. */
  async apply(tx: EntityManager, installationId: string, ops: SubscriptionOp[], now: Date, locationId?: string): Promise<LogLine[]> {
    if (ops.length === 0) {
      return [];
    }
    const repo = tx.getRepository(Subscription);
    const granted = new Set((await this.installations.grantsOf(installationId, tx)).map((g) => g.deviceId));
    let current = await repo.find({ where: { installationId } });
    const lines: LogLine[] = [];
    const max = this.config.events.maxSubscriptionsPerInstallation;
    for (const op of ops) {
      if (op.op === 'unsubscribe') {
        if (op.deviceIds === undefined) {
          await repo.delete({ installationId });
          current = [];
        } else if (op.deviceIds.length > 0) {
          const dropped = new Set(op.deviceIds);
          await repo.delete({ installationId, deviceId: In(op.deviceIds) });
          current = current.filter((s) => s.deviceId === null || !dropped.has(s.deviceId));
        }
        continue;
      }
      if (op.op === 'subscribeLocation') {
        const added = await this.subscribeLocation(tx, installationId, locationId, op, current, now, lines);
        current = added ? [...current, added] : current;
        continue;
      }
      const what = `subscribe(${op.attribute}${op.value === null ? '' : `.${op.value}`}, ${op.handler})`;
      if (op.attribute.length > MAX_NAME || op.handler.length > MAX_NAME || (op.value?.length ?? 0) > MAX_NAME) {
        lines.push({ level: 'warn', message: `${what.slice(0, 300)} refused: attribute, value and handler names are at most ${MAX_NAME} characters` });
        continue;
      }
      const ungranted = op.deviceIds.filter((id) => !granted.has(id));
      if (ungranted.length > 0) {
        lines.push({ level: 'warn', message: `${what}: ${ungranted.length} device(s) skipped, the installation holds no grant on them` });
      }
      const fresh = op.deviceIds.filter(
        (id) => granted.has(id) && !current.some((s) => s.deviceId === id && s.attribute === op.attribute && s.value === op.value && s.handler === op.handler),
      );
      if (fresh.length === 0) {
        continue;
      }
      if (current.length + fresh.length > max) {
        this.logger.warn(`installation ${installationId}: ${what} refused, it would hold more than ${max} subscriptions`);
        lines.push({ level: 'warn', message: `${what} refused: an installation may hold at most ${max} subscriptions (it holds ${current.length}, this adds ${fresh.length})` });
        continue;
      }
      const rows: Subscription[] = fresh.map((deviceId) => ({
        id: randomUUID(),
        installationId,
        deviceId,
        locationId: null,
        attribute: op.attribute,
        value: op.value,
        handler: op.handler,
        includeOwn: includesOwn(op),
        createdAt: now,
      }));
      await repo.insert(rows);
      current = [...current, ...rows];
    }
    return lines;
  }

  /** The installation's subscriptions, oldest first (ctx.app.subscriptions). */
  async listFor(manager: EntityManager, installationId: string): Promise<Subscription[]> {
    return manager.getRepository(Subscription).find({ where: { installationId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  private async subscribeLocation(
    tx: EntityManager,
    installationId: string,
    locationId: string | undefined,
    op: Extract<SubscriptionOp, { op: 'subscribeLocation' }>,
    current: Subscription[],
    now: Date,
    lines: LogLine[],
  ): Promise<Subscription | null> {
    const what = `subscribe(location, mode${op.value === null ? '' : `.${op.value}`}, ${op.handler})`;
    if (!locationId || op.handler.length > MAX_NAME || (op.value?.length ?? 0) > MAX_NAME) {
      lines.push({ level: 'warn', message: `${what.slice(0, 300)} refused: ${locationId ? `handler and value names are at most ${MAX_NAME} characters` : 'no location'}` });
      return null;
    }
    if (current.some((s) => s.locationId === locationId && s.attribute === op.attribute && s.value === op.value && s.handler === op.handler)) {
      return null;
    }
    const max = this.config.events.maxSubscriptionsPerInstallation;
    if (current.length + 1 > max) {
      lines.push({ level: 'warn', message: `${what} refused: an installation may hold at most ${max} subscriptions (it holds ${current.length}, this adds 1)` });
      return null;
    }
    const row: Subscription = {
      id: randomUUID(),
      installationId,
      deviceId: null,
      locationId,
      attribute: op.attribute,
      value: op.value,
      handler: op.handler,
      includeOwn: op.includeOwn === true,
      createdAt: now,
    };
    await tx.getRepository(Subscription).insert(row);
    return row;
  }

  /** The handlers a location's mode change is delivered to (not the installation that made it unless includeOwn, as for devices). */
  async handlersForMode(tx: EntityManager, change: ModeChange): Promise<MatchedHandler[]> {
    const subscriptions = await tx.getRepository(Subscription).find({
      where: { locationId: change.locationId, attribute: 'mode' },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const matched: MatchedHandler[] = [];
    for (const s of subscriptions) {
      const wanted = (s.value === null || s.value === change.mode) && (change.source !== ownSource(s.installationId) || s.includeOwn);
      if (wanted && !matched.some((m) => m.installationId === s.installationId && m.handler === s.handler)) {
        matched.push({ installationId: s.installationId, handler: s.handler });
      }
    }
    return matched;
  }

  /** The handlers a device change is delivered to: one per installation and handler, in subscription order. */
  async handlersFor(tx: EntityManager, change: DeviceChange): Promise<MatchedHandler[]> {
    const subscriptions = await tx.getRepository(Subscription).find({
      where: { deviceId: change.deviceId, attribute: change.attribute },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const value = change.value === null ? null : typeof change.value === 'object' ? JSON.stringify(change.value) : String(change.value);
    const candidates = subscriptions.filter(
      (s) => (s.value === null || s.value === value) && (change.source !== ownSource(s.installationId) || s.includeOwn),
    );
    const matched: MatchedHandler[] = [];
    const grantHolders = new Map<string, boolean>();
    for (const s of candidates) {
      if (matched.some((m) => m.installationId === s.installationId && m.handler === s.handler)) {
        continue;
      }
      // a reconfigured installation may have lost the device since it subscribed
      if (!grantHolders.has(s.installationId)) {
        const grants = await this.installations.grantsOf(s.installationId, tx);
        grantHolders.set(s.installationId, grants.some((g) => g.deviceId === change.deviceId));
      }
      if (grantHolders.get(s.installationId)) {
        matched.push({ installationId: s.installationId, handler: s.handler });
      }
    }
    return matched;
  }
}
