import { findCapability } from '../locations/capabilities';
import type { DeviceView } from '../locations/devices.service';
import type { LocationView } from '../locations/locations.service';
import type { CommandSpec, JsonValue, SandboxDevice, SandboxEvent, Snapshot } from '../sandbox/sandbox.types';
import { deviceInputs, SmartAppDefinition } from '../smartapps/smartapp-definition';
import type { DeviceGrant } from './device-grant.entity';
import type { Installation } from './installation.entity';

export interface RequestParts {
  params: Record<string, string>;
  body: JsonValue;
  headers: Record<string, string>;
  event?: SandboxEvent;
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
    location: { id: input.location.id, name: input.location.name, timeZone: input.location.timeZone },
    now: input.now.toISOString(),
    ...(input.request.event ? { event: input.request.event } : {}),
  };
}
