import { Injectable } from '@nestjs/common';
import { PageError } from '../common/api-errors';
import { Transactions } from '../database/transactions';
import { InstallationsService } from '../installations/installations.service';
import { DevicesService } from '../locations/devices.service';
import { LocationModeError, LocationsService, LocationView } from '../locations/locations.service';
import { ConnectedAppsService } from './connected-apps.service';
import { capabilityTitle, stateSummary } from './device-controls';

export interface DeviceRow {
  id: string;
  label: string;
  capabilities: string;
  state: string;
}

export interface LocationOverview extends LocationView {
  devices: DeviceRow[];
  apps: string[];
  modes: { name: string; current: boolean }[];
}

export type ModeOutcome = { ok: true; message: string } | { ok: false; message: string };

export type LocationRemoval = { kind: 'deleted'; name: string } | { kind: 'in_use'; location: LocationView; usedBy: string[] };

export const LOCATION_NOT_FOUND = new PageError(404, 'Location not found', 'There is no location with this address among yours. Go to your locations to see the ones you have.');

// The user's locations: create, rename, and delete unless a connected app works in it.
@Injectable()
export class LocationPagesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly installations: InstallationsService,
    private readonly connectedApps: ConnectedAppsService,
  ) {}

  /** Every location of the account with its devices and the apps working in it. */
  async overviewForAccount(accountId: string): Promise<LocationOverview[]> {
    const locations = await this.locations.listForAccount(accountId);
    return Promise.all(locations.map((l) => this.overview(accountId, l)));
  }

  async findForAccount(accountId: string, locationId: string): Promise<LocationOverview> {
    const location = await this.locations.findForAccount(accountId, locationId);
    if (!location) {
      throw LOCATION_NOT_FOUND;
    }
    return this.overview(accountId, location);
  }

  async create(accountId: string, input: { name: string; timeZone: string }): Promise<LocationView> {
    return this.locations.create(accountId, input);
  }

  async rename(accountId: string, locationId: string, name: string): Promise<void> {
    if (!(await this.locations.findForAccount(accountId, locationId))) {
      throw LOCATION_NOT_FOUND;
    }
    await this.locations.rename(accountId, locationId, name);
  }

  /** Deletes the location with its devices, unless an installation still works in it. */
  async remove(accountId: string, locationId: string): Promise<LocationRemoval> {
    const location = await this.locations.findForAccount(accountId, locationId);
    if (!location) {
      throw LOCATION_NOT_FOUND;
    }
    const usedBy = await this.usedBy(accountId, locationId);
    if (usedBy.length > 0) {
      return { kind: 'in_use', location, usedBy };
    }
    await this.transactions.run(async (tx) => {
      // checked again inside the transaction: an authorization may have finished meanwhile
      if ((await this.installations.listForLocation(accountId, locationId, tx)).length > 0) {
        throw new PageError(409, 'Location in use', 'An app was connected to this location a moment ago. Disconnect it first.');
      }
      await this.installations.forgetUninstalledInLocation(tx, locationId);
      await this.devices.removeInLocation(tx, locationId);
      await this.locations.remove(tx, accountId, locationId);
    });
    return { kind: 'deleted', name: location.name };
  }

  /** Switches the mode from the location page; mode subscriptions fire through the outbox. */
  async setMode(accountId: string, locationId: string, mode: string): Promise<ModeOutcome> {
    const location = await this.locations.findForAccount(accountId, locationId);
    if (!location) {
      throw LOCATION_NOT_FOUND;
    }
    try {
      const change = await this.transactions.run((tx) => this.locations.setMode(tx, locationId, mode, 'user'));
      return { ok: true, message: change ? `${location.name} is now in ${mode} mode.` : `${location.name} was already in ${mode} mode.` };
    } catch (err) {
      if (err instanceof LocationModeError) {
        return { ok: false, message: err.message };
      }
      throw err;
    }
  }

  async addMode(accountId: string, locationId: string, name: string): Promise<ModeOutcome> {
    if (!(await this.locations.findForAccount(accountId, locationId))) {
      throw LOCATION_NOT_FOUND;
    }
    try {
      await this.locations.addMode(locationId, name);
      return { ok: true, message: `Mode ${name} added.` };
    } catch (err) {
      if (err instanceof LocationModeError) {
        return { ok: false, message: err.message };
      }
      throw err;
    }
  }

  async setCoordinates(accountId: string, locationId: string, latitude: number | null, longitude: number | null): Promise<void> {
    if (!(await this.locations.findForAccount(accountId, locationId))) {
      throw LOCATION_NOT_FOUND;
    }
    await this.locations.setCoordinates(accountId, locationId, latitude, longitude);
  }

  async usedBy(accountId: string, locationId: string): Promise<string[]> {
    const installs = await this.installations.listForLocation(accountId, locationId);
    return this.connectedApps.namesOf(
      accountId,
      installs.map((i) => i.id),
    );
  }

  private async overview(accountId: string, location: LocationView): Promise<LocationOverview> {
    const devices = await this.devices.inLocation(location.id);
    return {
      ...location,
      devices: devices.map((d) => ({
        id: d.id,
        label: d.label,
        capabilities: d.capabilities.map(capabilityTitle).join(', '),
        state: stateSummary(d.capabilities, d.state)
          .map((r) => `${r.label}: ${r.value}`)
          .join(' · '),
      })),
      apps: await this.usedBy(accountId, location.id),
      modes: (await this.locations.modeNames(location.id)).map((name) => ({ name, current: name === location.mode })),
    };
  }
}
