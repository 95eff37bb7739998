// The capability catalogue (CONTRACT §5): what each capability lets a device report and do.

export type AttributeValue = string | number | null;

export type AttributeSpec =
  | { name: string; type: 'enum'; values: string[] }
  | { name: string; type: 'number'; min?: number; max?: number; unit?: string };

export interface CommandArgument {
  name: string;
  type: 'integer' | 'number' | 'enum';
  min?: number;
  max?: number;
  values?: string[];
}

export interface CapabilityCommand {
  name: string;
  args: CommandArgument[];
  /** the attribute the command sets, to a fixed value or to argument `fromArg` */
  sets: { attribute: string; value?: string; fromArg?: number };
}

export interface Capability {
  name: string;
  /** what granting it allows, in plain words, for the consent page */
  allows: string;
  attributes: AttributeSpec[];
  commands: CapabilityCommand[];
  /** where a new device starts */
  initialState: Record<string, AttributeValue>;
}

const onOff = ['on', 'off'];
const setpoint = (name: string, attribute: string): CapabilityCommand => ({
  name,
  args: [{ name: 'temperature', type: 'number', min: -50, max: 150 }],
  sets: { attribute, fromArg: 0 },
});

export const CAPABILITIES: readonly Capability[] = [
  {
    name: 'switch',
    allows: 'see whether it is on and turn it on and off',
    attributes: [{ name: 'switch', type: 'enum', values: onOff }],
    commands: [
      { name: 'on', args: [], sets: { attribute: 'switch', value: 'on' } },
      { name: 'off', args: [], sets: { attribute: 'switch', value: 'off' } },
    ],
    initialState: { switch: 'off' },
  },
  {
    name: 'switchLevel',
    allows: 'see and set its brightness level',
    attributes: [{ name: 'level', type: 'number', min: 0, max: 100, unit: '%' }],
    commands: [{ name: 'setLevel', args: [{ name: 'level', type: 'integer', min: 0, max: 100 }], sets: { attribute: 'level', fromArg: 0 } }],
    initialState: { level: 100 },
  },
  {
    name: 'lock',
    allows: 'see whether it is locked and lock and unlock it',
    attributes: [{ name: 'lock', type: 'enum', values: ['locked', 'unlocked'] }],
    commands: [
      { name: 'lock', args: [], sets: { attribute: 'lock', value: 'locked' } },
      { name: 'unlock', args: [], sets: { attribute: 'lock', value: 'unlocked' } },
    ],
    initialState: { lock: 'locked' },
  },
  {
    name: 'contactSensor',
    allows: 'see whether it is open or closed',
    attributes: [{ name: 'contact', type: 'enum', values: ['open', 'closed'] }],
    commands: [],
    initialState: { contact: 'closed' },
  },
  {
    name: 'motionSensor',
    allows: 'see whether it detects motion',
    attributes: [{ name: 'motion', type: 'enum', values: ['active', 'inactive'] }],
    commands: [],
    initialState: { motion: 'inactive' },
  },
  {
    name: 'temperatureMeasurement',
    allows: 'read its temperature',
    attributes: [{ name: 'temperature', type: 'number', min: -50, max: 150, unit: 'C' }],
    commands: [],
    initialState: { temperature: 20 },
  },
  {
    name: 'thermostat',
    allows: 'see and change its heating and cooling setpoints and mode',
    attributes: [
      { name: 'heatingSetpoint', type: 'number', min: -50, max: 150, unit: 'C' },
      { name: 'coolingSetpoint', type: 'number', min: -50, max: 150, unit: 'C' },
      { name: 'thermostatMode', type: 'enum', values: ['off', 'heat', 'cool', 'auto'] },
    ],
    commands: [
      setpoint('setHeatingSetpoint', 'heatingSetpoint'),
      setpoint('setCoolingSetpoint', 'coolingSetpoint'),
      {
        name: 'setThermostatMode',
        args: [{ name: 'mode', type: 'enum', values: ['off', 'heat', 'cool', 'auto'] }],
        sets: { attribute: 'thermostatMode', fromArg: 0 },
      },
    ],
    initialState: { heatingSetpoint: 20, coolingSetpoint: 25, thermostatMode: 'off' },
  },
  {
    name: 'battery',
    allows: 'read its battery level',
    attributes: [{ name: 'battery', type: 'number', min: 0, max: 100, unit: '%' }],
    commands: [],
    initialState: { battery: 100 },
  },
];

const byName = new Map(CAPABILITIES.map((c) => [c.name, c]));

export function findCapability(name: string): Capability | undefined {
  return byName.get(name);
}

export function isCapabilityName(name: string): boolean {
  return byName.has(name);
}

/** The capability that defines an attribute among a device's capabilities. */
export function attributeSpec(capabilities: string[], attribute: string): AttributeSpec | undefined {
  for (const name of capabilities) {
    const spec = byName.get(name)?.attributes.find((a) => a.name === attribute);
    if (spec) {
      return spec;
    }
  }
  return undefined;
}

/** Checks one value against an attribute or argument spec; returns a message when it does not fit. */
export function checkValue(
  spec: { name: string; type: 'enum' | 'number' | 'integer'; values?: string[]; min?: number; max?: number },
  value: unknown,
): string | null {
  if (spec.type === 'enum') {
    return typeof value === 'string' && (spec.values ?? []).includes(value)
      ? null
      : `${spec.name} must be one of ${(spec.values ?? []).join(', ')}`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || (spec.type === 'integer' && !Number.isInteger(value))) {
    return `${spec.name} must be ${spec.type === 'integer' ? 'a whole number' : 'a number'}`;
  }
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    return `${spec.name} must be from ${spec.min ?? '-∞'} to ${spec.max ?? '∞'}`;
  }
  return null;
}
