import { plainFind } from '../database/plain-find';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Invalidations } from '../invalidation/invalidations.service';
import { ActivityKind, ActivityLog } from './activity-log.entity';
import { DeviceGrant } from './device-grant.entity';
import { Installation } from './installation.entity';
import { installationPatch } from './installation-patch';
import { SettingValue } from './installation-settings';
import { ChosenGrant } from './preference-choices';
import { UsageBuffer } from './usage-buffer.service';

export interface InstallationView {
  id: string;
  smartAppId: string;
  smartAppVersionId: string;
  accountId: string;
  locationId: string;
  clientId: string | null;
  settings: Record<string, SettingValue>;
  status: Installation['status'];
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
}

export interface GrantView {
  inputName: string;
  deviceId: string;
  capability: string;
}

const LIVE: Installation['status'][] = ['pending', 'active'];

/** What an installation is made of: its SmartApp, owner, location, settings and chosen devices. */
export interface NewInstallation {
  smartAppId: string;
  smartAppVersionId: string;
  accountId: string;
  locationId: string;
  clientId: string | null;
  settings: Record<string, SettingValue>;
  grants: ChosenGrant[];
  /** `pending` until an OAuth code is exchanged; `active` for the catalog */
  status?: 'pending' | 'active';
}

@Injectable()
export class InstallationsService {
  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(Installation) private readonly installations: Repository<Installation>,
    @InjectRepository(DeviceGrant) private readonly grants: Repository<DeviceGrant>,
    @InjectRepository(ActivityLog) private readonly activity: Repository<ActivityLog>,
    private readonly invalidations: Invalidations,
    private readonly usage: UsageBuffer,
  ) {}

  /** Creates the installation and one DeviceGrant per chosen device and input, inside the caller's transaction. */
  async create(
    manager: EntityManager,
    input: NewInstallation & {
      /** given by the lifecycle, which ran installed() on a draft with this id */
      id?: string;
      createdAt?: Date;
    },
  ): Promise<InstallationView> {
    const now = input.createdAt ?? new Date();
    const installation: Installation = {
      id: input.id ?? randomUUID(),
      smartAppId: input.smartAppId,
      smartAppVersionId: input.smartAppVersionId,
      accountId: input.accountId,
      locationId: input.locationId,
      clientId: input.clientId,
      settings: input.settings,
      state: {},
      status: input.status ?? 'active',
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
    };
    await manager.getRepository(Installation).insert(installationPatch(installation));
    await this.replaceGrants(manager, installation.id, input.grants);
    return toView(installation);
  }

  /** Reconfigure: new settings and grants, inside the caller's transaction (the lifecycle's). */
  async reconfigure(manager: EntityManager, installationId: string, settings: Record<string, SettingValue>, grants: ChosenGrant[]): Promise<void> {
    await manager.getRepository(Installation).update({ id: installationId }, { settings, updatedAt: new Date() });
    await manager.getRepository(DeviceGrant).delete({ installationId });
    await this.replaceGrants(manager, installationId, grants);
    await this.invalidations.publish(manager, { kind: 'installation', id: installationId });
  }

  /** Pending → connected (its code was exchanged), inside the caller's transaction; false when it is gone. */
  async connect(manager: EntityManager, installationId: string): Promise<boolean> {
    const changed = await manager.getRepository(Installation).update({ id: installationId, status: In(LIVE) }, { status: 'active' });
    await this.invalidations.publish(manager, { kind: 'installation', id: installationId });
    return (changed.affected ?? 0) > 0;
  }

  /** Marks it uninstalled and drops its grants, inside the caller's transaction. */
  async markUninstalled(manager: EntityManager, installationId: string): Promise<void> {
    await manager.getRepository(Installation).update({ id: installationId }, { status: 'uninstalled', updatedAt: new Date() });
    await manager.getRepository(DeviceGrant).delete({ installationId });
    await this.invalidations.publish(manager, { kind: 'installation', id: installationId });
  }

  async findActive(installationId: string, manager?: EntityManager): Promise<Installation | null> {
    if (!manager) {
      return this.transactions.read((m) => this.findActive(installationId, m));
    }
    const [row] = await plainFind(manager, Installation, { id: installationId, status: 'active' }, 1);
    return row ?? null;
  }

  /** Pending or connected (not uninstalled): what Connected apps shows and reconfigure may change. */
  async findLive(installationId: string, manager: EntityManager): Promise<Installation | null> {
    return manager.getRepository(Installation).findOne({ where: { id: installationId, status: In(LIVE) } });
  }

  async findLiveForAccount(accountId: string, installationId: string): Promise<InstallationView | null> {
    const row = await this.installations.findOne({ where: { id: installationId, accountId, status: In(LIVE) } });
    return row ? toView(row) : null;
  }

  /** Deletes installations for good (pending ones whose code expired), inside the caller's transaction. */
  async forget(manager: EntityManager, installationIds: string[]): Promise<void> {
    if (installationIds.length > 0) {
      await manager.getRepository(DeviceGrant).delete({ installationId: In(installationIds) });
      await manager.getRepository(ActivityLog).delete({ installationId: In(installationIds) });
      await manager.getRepository(Installation).delete({ id: In(installationIds), status: 'pending' });
      for (const id of installationIds) {
        await this.invalidations.publish(manager, { kind: 'installation', id });
      }
    }
  }

  async findForAccount(accountId: string, installationId: string): Promise<InstallationView | null> {
    const row = await this.installations.findOne({ where: { id: installationId, accountId, status: 'active' } });
    return row ? toView(row) : null;
  }

  async listForAccount(accountId: string): Promise<InstallationView[]> {
    // what this instance still holds of last_used_at is shown too
    await this.usage.flush();
    const rows = await this.installations.find({ where: { accountId, status: In(LIVE) }, order: { createdAt: 'DESC', id: 'ASC' } });
    return rows.map(toView);
  }

  /** The account's active installations in one location (a location in use cannot be deleted). */
  async listForLocation(accountId: string, locationId: string, manager?: EntityManager): Promise<InstallationView[]> {
    const rows = await (manager ?? this.installations.manager).getRepository(Installation).find({ where: { accountId, locationId, status: 'active' }, order: { createdAt: 'DESC', id: 'ASC' } });
    return rows.map(toView);
  }

  /** Drops the uninstalled installations of a location that is being deleted, inside the caller's transaction. */
  async forgetUninstalledInLocation(manager: EntityManager, locationId: string): Promise<void> {
    await manager.getRepository(Installation).delete({ locationId, status: 'uninstalled' });
    await this.invalidations.publish(manager, { kind: 'location', id: locationId });
  }

  /** Removes every grant on a device that is being deleted, inside the caller's transaction; returns the installations that held one. */
  async revokeDeviceGrants(manager: EntityManager, deviceId: string): Promise<string[]> {
    const rows = await manager.getRepository(DeviceGrant).find({ where: { deviceId } });
    await manager.getRepository(DeviceGrant).delete({ deviceId });
    const holders = [...new Set(rows.map((r) => r.installationId))];
    for (const id of holders) {
      await this.invalidations.publish(manager, { kind: 'installation', id });
    }
    return holders;
  }

  async countActiveForSmartApp(smartAppId: string): Promise<number> {
    return this.installations.count({ where: { smartAppId, status: 'active' } });
  }

  async grantsOf(installationId: string, manager?: EntityManager): Promise<GrantView[]> {
    if (!manager) {
      return this.transactions.read((m) => this.grantsOf(installationId, m));
    }
    const rows = await manager
      .getRepository(DeviceGrant)
      .find({ where: { installationId }, order: { inputName: 'ASC', deviceId: 'ASC' } });
    return rows.map((g) => ({ inputName: g.inputName, deviceId: g.deviceId, capability: g.capability }));
  }

  /** Installations (active) that hold a grant on any of these devices. */
  async installationsUsingDevices(deviceIds: string[]): Promise<string[]> {
    if (deviceIds.length === 0) {
      return [];
    }
    const rows = await this.grants.find({ where: { deviceId: In(deviceIds) } });
    return [...new Set(rows.map((r) => r.installationId))];
  }

  /** Inside the caller's transaction; without one, buffered and written within about a second (UsageBuffer). */
  async recordActivity(installationId: string, kind: ActivityKind, summary: string, manager?: EntityManager): Promise<void> {
    if (!manager) {
      this.usage.recordActivity(installationId, kind, summary);
      return;
    }
    await manager.getRepository(ActivityLog).insert({ id: randomUUID(), installationId, at: new Date(), kind, summary });
  }

  /** Several rows of one installation in one INSERT, inside the caller's transaction. */
  async recordActivities(manager: EntityManager, installationId: string, entries: { kind: ActivityKind; summary: string }[]): Promise<void> {
    if (entries.length === 0) {
      return;
    }
    // one millisecond apart, so the rows keep their order in the activity list
    const at = Date.now();
    await manager.getRepository(ActivityLog).insert(entries.map((e, i) => ({ id: randomUUID(), installationId, at: new Date(at + i), kind: e.kind, summary: e.summary })));
  }

  async activityOf(installationId: string, limit = 50, offset = 0): Promise<ActivityLog[]> {
    // a user reading the activity sees the calls this instance has not written yet
    await this.usage.flush();
    return this.activity.find({ where: { installationId }, order: { at: 'DESC', id: 'DESC' }, take: limit, skip: offset });
  }

  /** Inside the caller's transaction; without one, buffered and written within about a second (UsageBuffer). */
  async touch(installationId: string, manager?: EntityManager): Promise<void> {
    if (!manager) {
      this.usage.touch(installationId);
      return;
    }
    await manager.getRepository(Installation).update({ id: installationId }, { lastUsedAt: new Date() });
  }

  private async replaceGrants(manager: EntityManager, installationId: string, grants: ChosenGrant[]): Promise<void> {
    if (grants.length === 0) {
      return;
    }
    await manager.getRepository(DeviceGrant).insert(
      grants.map((g) => ({ id: randomUUID(), installationId, inputName: g.inputName, deviceId: g.deviceId, capability: g.capability })),
    );
  }
}

function toView(i: Installation): InstallationView {
  return {
    id: i.id,
    smartAppId: i.smartAppId,
    smartAppVersionId: i.smartAppVersionId,
    accountId: i.accountId,
    locationId: i.locationId,
    clientId: i.clientId,
    settings: i.settings,
    status: i.status,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    lastUsedAt: i.lastUsedAt,
  };
}
