import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CallbacksService } from '../events/callbacks.service';
import { Clock } from '../common/clock';
import { InstallationEffectsSink, InstallationRuntime } from '../installations/installation-runtime.service';
import type { Installation } from '../installations/installation.entity';
import { ClientsService } from '../oauth/clients.service';
import type { Effects, LogLine } from '../sandbox/sandbox.types';
import { SmartAppsService } from '../smartapps/smartapps.service';
import { NotificationsService } from './notifications.service';

// A handler's notifications are stored in its transaction; when the installation's OAuth client can
// receive signed callbacks (a webhook secret and a callback prefix), each one is also posted to the
// client's first callback prefix through the same queue as ctx.httpPostJson (signed, retried).
@Injectable()
export class NotificationEffects implements InstallationEffectsSink, OnModuleInit {
  constructor(
    private readonly runtime: InstallationRuntime,
    private readonly notifications: NotificationsService,
    private readonly smartApps: SmartAppsService,
    private readonly clients: ClientsService,
    private readonly callbacks: CallbacksService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.runtime.addEffectsSink(this);
  }

  async apply(tx: EntityManager, installation: Pick<Installation, 'id' | 'clientId' | 'locationId' | 'accountId' | 'smartAppId'>, effects: Effects): Promise<LogLine[]> {
    const notices = effects.notifications ?? [];
    if (notices.length === 0) {
      return [];
    }
    const now = this.clock.now();
    const version = await this.smartApps.latestVersion(installation.smartAppId, tx);
    const { stored, lines } = await this.notifications.record(tx, installation, version?.definition.name ?? 'A connected app', notices, now);
    const client = installation.clientId ? await this.clients.find(installation.clientId, tx) : null;
    const url = client?.webhookSecret ? client.callbackPrefixes[0] : undefined;
    if (url && stored.length > 0) {
      const callbacks = stored.map((n) => ({
        url,
        body: { notification: { id: n.id, message: n.message, locationId: n.locationId, date: n.createdAt.toISOString() } },
      }));
      lines.push(...(await this.callbacks.enqueue(tx, installation, callbacks, now)));
    }
    return lines;
  }
}
