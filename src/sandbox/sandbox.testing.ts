// Snapshot and device builders for tests of the sandbox and of code that calls it.
import type { CommandSpec, SandboxDevice, Snapshot } from './sandbox.types';

export const SWITCH_COMMANDS: CommandSpec[] = [
  { name: 'on', args: [], sets: { attribute: 'switch', value: 'on' } },
  { name: 'off', args: [], sets: { attribute: 'switch', value: 'off' } },
];

export const LEVEL_COMMANDS: CommandSpec[] = [{ name: 'setLevel', args: [{ name: 'level', type: 'integer', min: 0, max: 100 }], sets: { attribute: 'level', fromArg: 0 } }];

const SWITCH = { name: 'Switch', attributes: ['switch'], commands: ['on', 'off'] };
const SWITCH_LEVEL = { name: 'Switch Level', attributes: ['level'], commands: ['setLevel'] };

export function switchDevice(id: string, label: string, value: 'on' | 'off' = 'off'): SandboxDevice {
  return { id, label, name: 'Simulated Switch', capabilities: ['switch'], granted: [SWITCH], state: { switch: value }, commands: SWITCH_COMMANDS };
}

export function dimmerDevice(id: string, label: string, level = 0): SandboxDevice {
  return {
    id,
    label,
    name: 'Simulated Dimmer',
    capabilities: ['switch', 'switchLevel'],
    granted: [SWITCH, SWITCH_LEVEL],
    state: { switch: 'off', level },
    stateDates: { switch: '2025-01-01T00:00:00.000Z', level: '2025-01-02T00:00:00.000Z' },
    commands: [...SWITCH_COMMANDS, ...LEVEL_COMMANDS],
  };
}

export function snapshotWith(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    installationId: 'installation-1',
    settings: {},
    deviceInputs: {},
    params: {},
    body: null,
    headers: {},
    state: {},
    location: { id: 'location-1', name: 'Home', timeZone: 'Europe/Berlin' },
    now: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}
