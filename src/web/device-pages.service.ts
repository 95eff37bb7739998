import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PageError } from '../common/api-errors';
import { Transactions } from '../database/transactions';
import { InstallationsService } from '../installations/installations.service';
import { attributeSpec, CommandArgument, findCapability, Vector3 } from '../locations/capabilities';
import { DeviceChange, DeviceCommandError, DevicesService, DeviceView } from '../locations/devices.service';
import { LocationsService, LocationView } from '../locations/locations.service';
import { ConnectedAppsService } from './connected-apps.service';
import { LOCATION_NOT_FOUND } from './location-pages.service';
import { attributeTitle, capabilityPanels, CapabilityPanel, capabilityTitle, stateSummary, valueLabel } from './device-controls';

export interface EventRow {
  at: Date;
  attribute: string;
  value: string;
  source: string;
}

export interface DevicePage {
  device: DeviceView;
  location: LocationView;
  capabilities: string;
  state: { label: string; value: string }[];
  panels: CapabilityPanel[];
  hasSensors: boolean;
  events: EventRow[];
  usedBy: string[];
}

/** What a command or simulated change did, in words, or why it was refused. */
export type DeviceChangeOutcome = { ok: true; message: string } | { ok: false; message: string };

const NOT_FOUND = new PageError(404, 'Device not found', 'There is no device with this address among yours. Go to your locations to see the devices you have.');

// The device pages: add, rename, delete, and drive a device. Every change goes through
// DevicesService inside a transaction, so it is recorded as an event like a real device's.
@Injectable()
export class DevicePagesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly locations: LocationsService,
    private readonly devices: DevicesService,
    private readonly installations: InstallationsService,
    private readonly connectedApps: ConnectedAppsService,
  ) {}

  async locationForAccount(accountId: string, locationId: string): Promise<LocationView> {
    const location = await this.locations.findForAccount(accountId, locationId);
    if (!location) {
      throw LOCATION_NOT_FOUND;
    }
    return location;
  }

  async create(accountId: string, locationId: string, input: { label: string; capabilities: string[] }): Promise<DeviceView> {
    const location = await this.locationForAccount(accountId, locationId);
    return this.devices.create({ locationId: location.id, label: input.label, capabilities: input.capabilities });
  }

  async pageForAccount(accountId: string, deviceId: string): Promise<DevicePage> {
    const device = await this.mustFind(accountId, deviceId);
    const location = await this.locationForAccount(accountId, device.locationId);
    const events = await this.devices.recentEvents(device.id, 20);
    const sources = new Map<string, string>();
    for (const e of events) {
      if (!sources.has(e.source)) {
        sources.set(e.source, await this.sourceLabel(accountId, e.source));
      }
    }
    const panels = capabilityPanels(device.capabilities, device.state);
    return {
      device,
      location,
      capabilities: device.capabilities.map(capabilityTitle).join(', '),
      state: stateSummary(device.capabilities, device.state),
      panels,
      hasSensors: panels.some((p) => p.sensors.length > 0),
      events: events.map((e) => ({ at: e.createdAt, attribute: attributeTitle(e.attribute), value: valueLabel(e.value, e.unit), source: sources.get(e.source) ?? e.source })),
      usedBy: await this.usedBy(accountId, device.id),
    };
  }

  async rename(accountId: string, deviceId: string, label: string): Promise<void> {
    if (!(await this.devices.rename(accountId, deviceId, label))) {
      throw NOT_FOUND;
    }
  }

  /** A command from the device page, as the user: e.g. `setLevel` with the slider's value. */
  async command(accountId: string, deviceId: string, command: string, rawValue: string): Promise<DeviceChangeOutcome> {
    const device = await this.mustFind(accountId, deviceId);
    const spec = device.capabilities
      .map((c) => findCapability(c))
      .flatMap((c) => c?.commands ?? [])
      .find((c) => c.name === command);
    if (!spec) {
      return { ok: false, message: `${device.label} has no command "${command}".` };
    }
    const args: unknown[] = [];
    for (const arg of spec.args) {
      const parsed = parseArgument(arg, rawValue);
      if (parsed === undefined) {
        return { ok: false, message: `Please give a ${arg.type === 'enum' ? 'choice' : arg.type === 'color' ? 'colour like #FF8800' : 'number'} for ${arg.name}.` };
      }
      args.push(parsed);
    }
    return this.change(device, (tx) => this.devices.executeCommand(tx, { deviceId: device.id, command, args, source: 'user' }));
  }

  /** A simulated report from the device: any attribute of its capabilities, as a real device may report it. */
  async simulate(accountId: string, deviceId: string, attribute: string, rawValue: string): Promise<DeviceChangeOutcome> {
    const device = await this.mustFind(accountId, deviceId);
    const spec = attributeSpec(device.capabilities, attribute);
    if (!spec) {
      return { ok: false, message: `${device.label} has no sensor reading "${attribute}" to simulate.` };
    }
    const value = spec.type === 'number' ? parseNumber(rawValue, false) : spec.type === 'vector3' ? parseVector(rawValue) : rawValue;
    if (value === undefined) {
      return { ok: false, message: spec.type === 'vector3' ? `Please give x,y,z numbers for ${attributeTitle(attribute)}.` : `Please give a number for ${attributeTitle(attribute)}.` };
    }
    return this.change(device, (tx) => this.devices.setAttribute(tx, { deviceId: device.id, attribute, value, source: 'simulator' }));
  }

  /** The device and the connected apps that would lose it, for the confirmation page. */
  async deletePage(accountId: string, deviceId: string): Promise<{ device: DeviceView; location: LocationView; usedBy: string[] }> {
    const device = await this.mustFind(accountId, deviceId);
    return { device, location: await this.locationForAccount(accountId, device.locationId), usedBy: await this.usedBy(accountId, device.id) };
  }

  /** Deletes the device; connected apps that had it lose their grant on it, in the same transaction. */
  async remove(accountId: string, deviceId: string): Promise<{ label: string; locationId: string; affected: number }> {
    const device = await this.mustFind(accountId, deviceId);
    const affected = await this.transactions.run(async (tx) => {
      const installationIds = await this.installations.revokeDeviceGrants(tx, device.id);
      for (const id of installationIds) {
        await this.installations.recordActivity(id, 'lifecycle', `Lost access to ${device.label}: you deleted the device`, tx);
      }
      await this.devices.remove(tx, device.id);
      return installationIds.length;
    });
    return { label: device.label, locationId: device.locationId, affected };
  }

  private async usedBy(accountId: string, deviceId: string): Promise<string[]> {
    return this.connectedApps.namesOf(accountId, await this.installations.installationsUsingDevices([deviceId]));
  }

  private async mustFind(accountId: string, deviceId: string): Promise<DeviceView> {
    const device = await this.devices.findForAccount(accountId, deviceId);
    if (!device) {
      throw NOT_FOUND;
    }
    return device;
  }

  private async change(device: DeviceView, work: (tx: EntityManager) => Promise<DeviceChange | DeviceChange[]>): Promise<DeviceChangeOutcome> {
    try {
      const done = await this.transactions.run(work);
      const changes = Array.isArray(done) ? done : [done];
      if (changes.length === 0) {
        return { ok: true, message: `${device.label}: done.` };
      }
      return { ok: true, message: `${device.label}: ${changes.map((c) => `${attributeTitle(c.attribute)} is now ${valueLabel(c.value, c.unit)}`).join(', ')}.` };
    } catch (err) {
      if (err instanceof DeviceCommandError) {
        return { ok: false, message: `${device.label} refused that: ${err.message}.` };
      }
      throw err;
    }
  }

  private async sourceLabel(accountId: string, source: string): Promise<string> {
    if (source === 'user') {
      return 'You';
    }
    if (source === 'simulator') {
      return 'Simulator';
    }
    if (source.startsWith('installation:')) {
      const [name] = await this.connectedApps.namesOf(accountId, [source.slice('installation:'.length)]);
      return name ?? 'A connected app (since disconnected)';
    }
    return source;
  }
}

function parseNumber(raw: string, integer: boolean): number | undefined {
  const text = raw.trim();
  if (text === '' || !(integer ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(text)) {
    return undefined;
  }
  return Number(text);
}

function parseVector(raw: string): Vector3 | undefined {
  const parts = raw.split(',').map((p) => parseNumber(p, false));
  const [x, y, z] = parts;
  return parts.length === 3 && x !== undefined && y !== undefined && z !== undefined ? { x, y, z } : undefined;
}

function parseArgument(arg: CommandArgument, raw: string): string | number | { hex: string } | undefined {
  if (arg.type === 'enum') {
    return raw === '' ? undefined : raw;
  }
  if (arg.type === 'color') {
    // the page's colour picker gives "#rrggbb"
    return /^#[0-9a-fA-F]{6}$/.test(raw.trim()) ? { hex: raw.trim().toUpperCase() } : undefined;
  }
  return parseNumber(raw, arg.type === 'integer');
}
