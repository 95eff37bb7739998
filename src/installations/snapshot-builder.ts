import { findCapability } from '../locations/capabilities';
import type { DeviceView } from '../locations/devices.service';
import { snapshotLocation } from '../locations/location-snapshot';
import type { LocationView } from '../locations/locations.service';
import type { CommandSpec, JsonValue, SandboxDevice, SandboxEvent, SandboxLocationEvent, Snapshot } from '../sandbox/sandbox.types';
import { deviceInputs, SmartAppDefinition } from '../smartapps/smartapp-definition';
import type { DeviceGrant } from './device-grant.entity';
import type { Installation } from './installation.entity';

export interface RequestParts {
  params: Record<string, string>;
  body: JsonValue;
  headers: Record<string, string>;
  event?: SandboxEvent | SandboxLocationEvent;
}

function commandsOf(capability: string): CommandSpec[] {
  return (findCapability(capability)?.commands ?? []).map((c) => ({
    name: c.name,
    args: c.args.map((a) => ({ ...a })),
    sets: { ...c.sets },
  }));
}

/** What a handler may see: only granted devices, each with the commands of the capability it was granted for. */
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
}): Snapshot {
  const byId = new Map(input.devices.map((d) => [d.id, d]));
  const inputs: Snapshot['deviceInputs'] = {};
  for (const di of deviceInputs(input.definition)) {
    const devices: SandboxDevice[] = input.grants
      .filter((g) => g.inputName === di.name)
      .flatMap((g) => {
        const device = byId.get(g.deviceId);
        return device
          ? [{ id: device.id, label: device.label, capabilities: [...device.capabilities], state: { ...device.state }, commands: commandsOf(g.capability) }]
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
