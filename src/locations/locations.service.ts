import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { Invalidations } from '../invalidation/invalidations.service';
import { Location } from './location.entity';

export interface LocationView {
  id: string;
  name: string;
  timeZone: string;
}

@Injectable()
export class LocationsService {
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
      createdAt: new Date(),
    };
    if (manager) {
      await manager.getRepository(Location).insert(location);
    } else {
      await this.transactions.run((tx) => tx.getRepository(Location).insert(location));
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
    await manager.getRepository(Location).delete({ id: locationId, accountId });
    await this.invalidations.publish(manager, { kind: 'location', id: locationId });
  }

  /** For building a sandbox snapshot of an installation the caller already owns. */
  async findById(locationId: string, manager?: EntityManager): Promise<LocationView | null> {
    const row = await (manager ?? this.locations.manager).getRepository(Location).findOne({ where: { id: locationId } });
    return row ? toView(row) : null;
  }

  // stub: h4
  /** The names of the location's modes, for the `mode` input type. */
  modeNames(locationId: string, manager?: EntityManager): Promise<string[]> {
    void locationId;
    void manager;
    return Promise.resolve(['Home', 'Away', 'Night']);
  }
}

function toView(location: Location): LocationView {
  return { id: location.id, name: location.name, timeZone: location.timeZone };
}
