import { plainFind } from '../database/plain-find';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, Repository } from 'typeorm';
import { Transactions } from '../database/transactions';
import { AttributeValue, attributeSpec, checkValue, commandChanges, findCapability } from './capabilities';
import { DeviceEvent } from './device-event.entity';
import { Device } from './device.entity';
import { Location } from './location.entity';

export class DeviceCommandError extends Error {}

export interface DeviceView {
  id: string;
  locationId: string;
  label: string;
  deviceType: string;
  capabilities: string[];
  state: Record<string, AttributeValue>;
  /** attribute -> ISO time it last changed (the device's last update where it was not kept) */
  stateDates?: Record<string, string>;
}

export interface DeviceChange {
  deviceId: string;
  locationId: string;
  attribute: string;
  value: AttributeValue;
  unit: string | null;
  source: string;
  at: Date;
  /** the device's label when it changed */
  displayName: string;
}

export interface CommandInput {
  deviceId: string;
  command: string;
  args: unknown[];
  /** the capability the command must belong to (the grant's); any of the device's when absent */
  capability?: string;
  source: string;
}

/** Runs inside the transaction of every device change, e.g. to write the events outbox. */
export type DeviceChangeListener = (manager: EntityManager, change: DeviceChange) => Promise<void>;

@Injectable()
export class DevicesService {
  private readonly changeListeners: DeviceChangeListener[] = [];

  constructor(
    @InjectRepository(Device) private readonly devices: Repository<Device>,
    @InjectRepository(DeviceEvent) private readonly events: Repository<DeviceEvent>,
    private readonly transactions: Transactions,
  ) {}

  async create(
    input: { locationId: string; label: string; deviceType?: string; capabilities: string[] },
    manager?: EntityManager,
  ): Promise<DeviceView> {
    const unknown = input.capabilities.filter((c) => !findCapability(c));
    if (unknown.length > 0 || input.capabilities.length === 0) {
      throw new DeviceCommandError(unknown.length ? `Unknown capability: ${unknown.join(', ')}` : 'A device needs at least one capability');
    }
    const state: Record<string, AttributeValue> = {};
    for (const name of input.capabilities) {
      Object.assign(state, findCapability(name)?.initialState);
    }
    const now = new Date();
    const device: Device = {
      id: randomUUID(),
      locationId: input.locationId,
      label: input.label,
      // classic device type names, e.g. "Simulated Switch" (a handler's `device.name`)
      deviceType: input.deviceType ?? `Simulated ${findCapability(input.capabilities[0])?.title ?? input.capabilities[0]}`,
      capabilities: [...new Set(input.capabilities)],
      state,
      stateDates: Object.fromEntries(Object.keys(state).map((a) => [a, now.toISOString()])),
      createdAt: now,
      updatedAt: now,
    };
    if (manager) {
      await manager.getRepository(Device).insert(device);
    } else {
      await this.transactions.run((tx) => tx.getRepository(Device).insert(device));
    }
    return toView(device);
  }

  /** Devices of one location owned by the account; the caller has checked the location's owner. */
  async inLocation(locationId: string, manager?: EntityManager): Promise<DeviceView[]> {
    const rows = await (manager ?? this.devices.manager).getRepository(Device).find({ where: { locationId }, order: { label: 'ASC', id: 'ASC' } });
    return rows.map(toView);
  }

  async byIds(ids: string[], manager?: EntityManager): Promise<DeviceView[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await plainFind(manager ?? this.devices.manager, Device, { id: ids });
    return rows.map(toView);
  }

  /** Devices of an account by id, or null when it is not the account's. */
  async findForAccount(accountId: string, deviceId: string): Promise<DeviceView | null> {
    const row = await this.devices
      .createQueryBuilder('d')
      .innerJoin(Location, 'l', 'l.id = d.location_id')
      .where('d.id = :deviceId AND l.account_id = :accountId', { deviceId, accountId })
      .getOne();
    return row ? toView(row) : null;
  }

  /**
   * Runs one command on a device: checks it belongs to one of the device's capabilities (and to
   * `capability` when given), checks its arguments, updates the state and records one event per
   * attribute it changes (none for momentary's push; hue, saturation and color for setColor).
   */
  async executeCommand(manager: EntityManager, input: CommandInput): Promise<DeviceChange[]> {
    const [result] = await this.executeCommands(manager, [input]);
    if (result instanceof DeviceCommandError) {
      throw result;
    }
    return result;
  }

  /**
   * Several commands in order, as `executeCommand` would run them one by one, with the statements
   * batched: one SELECT of the devices, one UPDATE per device, one INSERT of the events. A refused
   * command gives its DeviceCommandError in its place and changes nothing.
   */
  async executeCommands(manager: EntityManager, inputs: CommandInput[]): Promise<(DeviceChange[] | DeviceCommandError)[]> {
    if (inputs.length === 0) {
      return [];
    }
    const rows = await manager.getRepository(Device).find({ where: { id: In([...new Set(inputs.map((i) => i.deviceId))]) } });
    const devices = new Map(rows.map((d) => [d.id, d]));
    const start = Date.now();
    let tick = 0;
    const changed = new Set<Device>();
    const results = inputs.map((input): DeviceChange[] | DeviceCommandError => {
      const device = devices.get(input.deviceId);
      try {
        if (!device) {
          throw new DeviceCommandError('No such device');
        }
        return commandEffects(device, input).map(({ attribute, value }) => {
          // one millisecond apart, so the events keep their order
          const at = new Date(start + tick++);
          device.state = { ...device.state, [attribute]: value };
          device.stateDates = { ...(device.stateDates ?? {}), [attribute]: at.toISOString() };
          changed.add(device);
          return { deviceId: device.id, locationId: device.locationId, attribute, value, unit: unitOf(device, attribute), source: input.source, at, displayName: device.label };
        });
      } catch (err) {
        if (err instanceof DeviceCommandError) {
          return err;
        }
        throw err;
      }
    });
    const changes = results.flatMap((r) => (r instanceof DeviceCommandError ? [] : r));
    const updatedAt = new Date(start + Math.max(0, tick - 1));
    for (const device of changed) {
      await manager.getRepository(Device).update({ id: device.id }, { state: device.state, stateDates: device.stateDates, updatedAt });
    }
    if (changes.length > 0) {
      await manager.getRepository(DeviceEvent).insert(
        changes.map((c) => ({ id: randomUUID(), deviceId: c.deviceId, locationId: c.locationId, attribute: c.attribute, value: c.value, unit: c.unit, source: c.source, createdAt: c.at })),
      );
    }
    for (const change of changes) {
      for (const listener of this.changeListeners) {
        await listener(manager, change);
      }
    }
    return results;
  }

  /** A sensor reading or simulated change: the attribute must belong to the device. */
  async setAttribute(manager: EntityManager, input: { deviceId: string; attribute: string; value: unknown; source: string }): Promise<DeviceChange> {
    const device = await manager.getRepository(Device).findOne({ where: { id: input.deviceId } });
    if (!device) {
      throw new DeviceCommandError('No such device');
    }
    const spec = attributeSpec(device.capabilities, input.attribute);
    if (!spec) {
      throw new DeviceCommandError(`${input.attribute} is not an attribute of this device`);
    }
    const problem = checkValue(spec, input.value);
    if (problem) {
      throw new DeviceCommandError(problem);
    }
    return this.recordChange(manager, device, input.attribute, input.value as AttributeValue, input.source);
  }

  async rename(accountId: string, deviceId: string, label: string): Promise<boolean> {
    if (!(await this.findForAccount(accountId, deviceId))) {
      return false;
    }
    await this.transactions.run((tx) => tx.getRepository(Device).update({ id: deviceId }, { label, updatedAt: new Date() }));
    return true;
  }

  /** Deletes a device and its events, inside the caller's transaction; the caller has checked its owner. */
  async remove(manager: EntityManager, deviceId: string): Promise<void> {
    await manager.getRepository(DeviceEvent).delete({ deviceId });
    await manager.getRepository(Device).delete({ id: deviceId });
  }

  /** Deletes every device of a location and their events, inside the caller's transaction. */
  async removeInLocation(manager: EntityManager, locationId: string): Promise<void> {
    await manager.getRepository(DeviceEvent).delete({ locationId });
    await manager.getRepository(Device).delete({ locationId });
  }

  /** Every path that changes a device state ends in recordChange, so a listener sees all of them. */
  onChange(listener: DeviceChangeListener): void {
    this.changeListeners.push(listener);
  }

  async recentEvents(deviceId: string, limit = 20, manager?: EntityManager): Promise<DeviceEvent[]> {
    const repo = manager ? manager.getRepository(DeviceEvent) : this.events;
    return repo.find({ where: { deviceId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  private async recordChange(manager: EntityManager, device: Device, attribute: string, value: AttributeValue, source: string): Promise<DeviceChange> {
    const at = new Date();
    const unit = unitOf(device, attribute);
    await manager
      .getRepository(Device)
      .update({ id: device.id }, { state: { ...device.state, [attribute]: value }, stateDates: { ...(device.stateDates ?? {}), [attribute]: at.toISOString() }, updatedAt: at });
    await manager.getRepository(DeviceEvent).insert({
      id: randomUUID(),
      deviceId: device.id,
      locationId: device.locationId,
      attribute,
      value,
      unit,
      source,
      createdAt: at,
    });
    const change: DeviceChange = { deviceId: device.id, locationId: device.locationId, attribute, value, unit, source, at, displayName: device.label };
    for (const listener of this.changeListeners) {
      await listener(manager, change);
    }
    return change;
  }
}

function toView(device: Device): DeviceView {
  return {
    id: device.id,
    locationId: device.locationId,
    label: device.label,
    deviceType: device.deviceType,
    capabilities: device.capabilities,
    state: device.state,
    stateDates: Object.fromEntries(Object.keys(device.state).map((a) => [a, device.stateDates?.[a] ?? device.updatedAt.toISOString()])),
  };
}

/** What a command sets on the device (each attribute it changes), after checking it belongs to one of its capabilities and its arguments. */
function commandEffects(device: Device, input: CommandInput): { attribute: string; value: AttributeValue }[] {
  const candidates = input.capability ? [input.capability] : device.capabilities;
  const capability = candidates
    .filter((c) => device.capabilities.includes(c))
    .map((c) => findCapability(c))
    .find((c) => c?.commands.some((cmd) => cmd.name === input.command));
  const command = capability?.commands.find((c) => c.name === input.command);
  if (!command) {
    throw new DeviceCommandError(`${input.command} is not a command of ${input.capability ?? 'this device'}`);
  }
  if (input.args.length !== command.args.length) {
    throw new DeviceCommandError(`${command.name} takes ${command.args.length} argument(s)`);
  }
  command.args.forEach((spec, i) => {
    const problem = checkValue(spec, input.args[i]);
    if (problem) {
      throw new DeviceCommandError(problem);
    }
  });
  return commandChanges(command, input.args);
}

function unitOf(device: Device, attribute: string): string | null {
  const spec = attributeSpec(device.capabilities, attribute);
  return spec?.type === 'number' ? (spec.unit ?? null) : null;
}
