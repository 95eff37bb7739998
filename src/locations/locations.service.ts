import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Invalidations } from '../invalidation/invalidations.service';
import { Location } from './location.entity';
import { LocationMode } from './location-mode.entity';

export interface LocationView {
  id: string;
  name: string;
  timeZone: string;
  mode: string;
  latitude: number | null;
  longitude: number | null;
}

export const DEFAULT_MODES: readonly string[] = ['Home', 'Away', 'Night'];
export const MAX_MODES = 20;

export class LocationModeError extends Error {}

export interface ModeChange {
  locationId: string;
  /** the location's name, as handlers see it in evt.displayName */
  locationName: string;
  previous: string;
  mode: string;
  /** "user" or "installation:<id>" */
  source: string;
  at: Date;
}

/** Runs inside the transaction of every mode change, e.g. to write the events outbox. */
export type ModeChangeListener = (manager: EntityManager, change: ModeChange) => Promise<void>;

@Injectable()
export class LocationsService {
  private readonly modeListeners: ModeChangeListener[] = [];

  constructor(
    private readonly transactions: Transactions,
    @InjectRepository(Location) private readonly locations: Repository<Location>,
    private readonly invalidations: Invalidations,
  ) {}

  async create(accountId: string, input: { name: string; timeZone?: string }, manager?: EntityManager): Promise<LocationView> {
    const location: Location = {
      id: randomUUID(),
      accountId,
      name: input.name,
      timeZone: input.timeZone ?? 'UTC',
      mode: DEFAULT_MODES[0],
      latitude: null,
      longitude: null,
      createdAt: new Date(),
    };
    const insert = async (tx: EntityManager) => {
      await tx.getRepository(Location).insert(location);
      await tx.getRepository(LocationMode).insert(DEFAULT_MODES.map((name) => ({ id: randomUUID(), locationId: location.id, name, createdAt: location.createdAt })));
    };
    if (manager) {
      await insert(manager);
    } else {
      await this.transactions.run(insert);
    }
    return toView(location);
  }

  async listForAccount(accountId: string): Promise<LocationView[]> {
    const rows = await this.locations.find({ where: { accountId }, order: { name: 'ASC', id: 'ASC' } });
    return rows.map(toView);
  }

  async findForAccount(accountId: string, locationId: string): Promise<LocationView | null> {
    const row = await this.locations.findOne({ where: { id: locationId, accountId } });
    return row ? toView(row) : null;
  }

  async rename(accountId: string, locationId: string, name: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      await tx.getRepository(Location).update({ id: locationId, accountId }, { name });
      await this.invalidations.publish(tx, { kind: 'location', id: locationId });
    });
  }

  /** Deletes the location, inside the caller's transaction; the caller has removed what it held. */
  async remove(manager: EntityManager, accountId: string, locationId: string): Promise<void> {
    await manager.getRepository(LocationMode).delete({ locationId });
    await manager.getRepository(Location).delete({ id: locationId, accountId });
    await this.invalidations.publish(manager, { kind: 'location', id: locationId });
  }

  /** The location's mode names, oldest first (the defaults Home, Away, Night, then the ones the user added). */
  async modeNames(locationId: string, manager?: EntityManager): Promise<string[]> {
    const rows = await (manager ?? this.locations.manager).getRepository(LocationMode).find({ where: { locationId }, order: { createdAt: 'ASC', name: 'ASC' } });
    const order = (name: string) => (DEFAULT_MODES.includes(name) ? DEFAULT_MODES.indexOf(name) : DEFAULT_MODES.length);
    return rows.sort((a, b) => order(a.name) - order(b.name)).map((r) => r.name);
  }

  /** Adds a mode; the caller has checked the location's owner and the name's shape. */
  async addMode(locationId: string, name: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const names = await this.modeNames(locationId, tx);
      if (names.some((n) => n.toLowerCase() === name.toLowerCase())) {
        throw new LocationModeError(`The location already has a mode named ${name}`);
      }
      if (names.length >= MAX_MODES) {
        throw new LocationModeError(`A location has at most ${MAX_MODES} modes`);
      }
      await tx.getRepository(LocationMode).insert({ id: randomUUID(), locationId, name, createdAt: new Date() });
      // handlers see ctx.location.modes from the resolution cache
      await this.invalidations.publish(tx, { kind: 'location', id: locationId });
    });
  }

  /**
   * Switches the location's mode inside the caller's transaction and tells the listeners (mode
   * subscriptions); the mode must be one of the location's. Setting the current mode again changes nothing.
   */
  async setMode(manager: EntityManager, locationId: string, mode: string, source: string): Promise<ModeChange | null> {
    const location = await manager.getRepository(Location).findOne({ where: { id: locationId } });
    if (!location) {
      throw new LocationModeError('No such location');
    }
    const names = await this.modeNames(locationId, manager);
    if (!names.includes(mode)) {
      throw new LocationModeError(`${mode} is not a mode of ${location.name} (its modes: ${names.join(', ')})`);
    }
    if (location.mode === mode) {
      return null;
    }
    await manager.getRepository(Location).update({ id: locationId }, { mode });
    await this.invalidations.publish(manager, { kind: 'location', id: locationId });
    const change: ModeChange = { locationId, locationName: location.name, previous: location.mode, mode, source, at: new Date() };
    for (const listener of this.modeListeners) {
      await listener(manager, change);
    }
    return change;
  }

  /** Every path that changes a mode ends in setMode, so a listener sees all of them. */
  onModeChange(listener: ModeChangeListener): void {
    this.modeListeners.push(listener);
  }

  /** Sets or clears (both null) the coordinates used for sunrise and sunset; the caller has checked them. */
  async setCoordinates(accountId: string, locationId: string, latitude: number | null, longitude: number | null): Promise<void> {
    await this.transactions.run(async (tx) => {
      await tx.getRepository(Location).update({ id: locationId, accountId }, { latitude, longitude });
      await this.invalidations.publish(tx, { kind: 'location', id: locationId });
    });
  }

  /** For building a sandbox snapshot of an installation the caller already owns. */
  async findById(locationId: string, manager?: EntityManager): Promise<LocationView | null> {
    const row = await (manager ?? this.locations.manager).getRepository(Location).findOne({ where: { id: locationId } });
    return row ? toView(row) : null;
  }


}

function toView(location: Location): LocationView {
  return {
    id: location.id,
    name: location.name,
    timeZone: location.timeZone,
    mode: location.mode,
    latitude: location.latitude,
    longitude: location.longitude,
  };
}
