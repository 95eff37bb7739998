import { findCapability } from '../locations/capabilities';
import type { DeviceView } from '../locations/devices.service';
import { snapshotLocation } from '../locations/location-snapshot';
import type { LocationView } from '../locations/locations.service';
import type { CommandSpec, JsonValue, SandboxCapability, SandboxDevice, SandboxDeviceEvent, SandboxEvent, SandboxLocationEvent, Snapshot } from '../sandbox/sandbox.types';
import { deviceInputs, SmartAppDefinition } from '../smartapps/smartapp-definition';
import type { DeviceGrant } from './device-grant.entity';
import type { Installation } from './installation.entity';

export interface RequestParts {
  params: Record<string, string>;
  body: JsonValue;
  headers: Record<string, string>;
  event?: SandboxEvent | SandboxLocationEvent;
}

function commandSpecs(capabilities: string[]): CommandSpec[] {
  const specs: CommandSpec[] = [];
  for (const c of capabilities.flatMap((name) => findCapability(name)?.commands ?? [])) {
    // a command two granted capabilities share (alarm's and switch's `off`) is one method on the device
    if (!specs.some((s) => s.name === c.name)) {
      specs.push({ name: c.name, args: c.args.map((a) => ({ ...a })), ...(c.sets ? { sets: { ...c.sets } } : {}) });
    }
  }
  return specs;
}

function classicCapabilities(capabilities: string[]): SandboxCapability[] {
  return capabilities.flatMap((name) => {
    const c = findCapability(name);
    return c ? [{ name: c.title, attributes: c.attributes.map((a) => a.name), commands: c.commands.map((cmd) => cmd.name) }] : [];
  });
}

function sandboxDevice(device: DeviceView, granted: string[], events: SandboxDeviceEvent[] | undefined): SandboxDevice {
  return {
    id: device.id,
    label: device.label,
    name: device.deviceType,
    capabilities: granted,
    granted: classicCapabilities(granted),
    state: { ...device.state },
    ...(device.stateDates ? { stateDates: { ...device.stateDates } } : {}),
    ...(events ? { events } : {}),
    commands: commandSpecs(granted),
  };
}

/** What a handler may see: only granted devices, each with the commands of the capabilities it was granted through. */
export function buildSnapshot(input: {
  installation: Installation;
  definition: SmartAppDefinition;
  grants: DeviceGrant[];
  devices: DeviceView[];
  location: LocationView;
  /** the location's mode names (ctx.location.modes) */
  modes?: string[];
  request: RequestParts;
  now: Date;
  /** recent events per device id, newest first, when the SmartApp uses `device.events()` */
  deviceEvents?: Record<string, SandboxDeviceEvent[]>;
}): Snapshot {
  const byId = new Map(input.devices.map((d) => [d.id, d]));
  // a device shows the capabilities of all its grants in this installation, whichever input it is reached through
  const grantedOf = new Map<string, string[]>();
  for (const g of input.grants) {
    const list = grantedOf.get(g.deviceId) ?? [];
    if (!list.includes(g.capability)) {
      grantedOf.set(g.deviceId, [...list, g.capability]);
    }
  }
  const inputs: Snapshot['deviceInputs'] = {};
  for (const di of deviceInputs(input.definition)) {
    const devices: SandboxDevice[] = input.grants
      .filter((g) => g.inputName === di.name)
      .flatMap((g) => {
        const device = byId.get(g.deviceId);
        return device
          ? [sandboxDevice(device, grantedOf.get(device.id) ?? [g.capability], input.deviceEvents?.[device.id])]
          : [];
      });
    inputs[di.name] = { multiple: di.multiple, devices };
  }
  return {
    installationId: input.installation.id,
    settings: { ...input.installation.settings },
    deviceInputs: inputs,
    params: input.request.params,
    body: input.request.body,
    headers: input.request.headers,
    state: input.installation.state,
    location: snapshotLocation(input.location, input.modes ?? [], input.now),
    now: input.now.toISOString(),
    ...(input.request.event ? { event: input.request.event } : {}),
  };
}
