import type { SandboxDevice, Snapshot } from './sandbox.types';

/** What a device looks like to the prelude apart from its state: when this is unchanged, its proxy can be reused. */
function shapeOf(device: SandboxDevice): string {
  return JSON.stringify([device.label, device.name, device.capabilities, device.granted, device.commands]);
}

export interface SlimSnapshot {
  json: string;
  /** call once the prelude has taken the snapshot: the devices it built are then known to be there */
  taken(): void;
}

/**
 * The host's side of a warm session's device proxies (see `proxies` in the prelude): for each input
 * and device, the description the prelude last built a proxy from. A device whose description is
 * unchanged is sent as `{ id, reuse: true, state, stateDates, events }`. A device sent whole is
 * forgotten until its call has started, so a failed call never leaves the two sides disagreeing.
 */
export class DeviceShapes {
  private readonly built = new Map<string, string>();

  slim(snapshot: Snapshot): SlimSnapshot {
    const pending: [string, string][] = [];
    const deviceInputs: Record<string, unknown> = {};
    for (const [inputName, input] of Object.entries(snapshot.deviceInputs)) {
      const devices = input.devices.map((device) => {
        const key = `${inputName}\u0000${device.id}`;
        const shape = shapeOf(device);
        if (this.built.get(key) === shape) {
          const dynamic: Record<string, unknown> = { id: device.id, reuse: true, state: device.state };
          if (device.stateDates !== undefined) {
            dynamic.stateDates = device.stateDates;
          }
          if (device.events !== undefined) {
            dynamic.events = device.events;
          }
          return dynamic;
        }
        this.built.delete(key);
        pending.push([key, shape]);
        return device;
      });
      deviceInputs[inputName] = { ...input, devices };
    }
    return {
      json: JSON.stringify({ ...snapshot, deviceInputs }),
      taken: () => pending.forEach(([key, shape]) => this.built.set(key, shape)),
    };
  }
}
