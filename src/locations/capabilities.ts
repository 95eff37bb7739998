// The capability catalogue (CONTRACT §5): what each capability lets a device report and do.

/** a threeAxis reading (classic VECTOR3) */
export type Vector3 = { x: number; y: number; z: number };

export type AttributeValue = string | number | null | Vector3;

export type AttributeSpec =
  | { name: string; type: 'enum'; values: string[] }
  | { name: string; type: 'number'; min?: number; max?: number; unit?: string }
  /** free text, e.g. colorControl's `color` ("#RRGGBB") */
  | { name: string; type: 'string'; maxLength: number }
  | { name: string; type: 'vector3'; min: number; max: number };

export interface CommandArgument {
  name: string;
  /** `color`: classic COLOR_MAP, an object with any of hue (0–100), saturation (0–100), hex ("#RRGGBB") */
  type: 'integer' | 'number' | 'enum' | 'color';
  min?: number;
  max?: number;
  values?: string[];
}

export interface CapabilityCommand {
  name: string;
  args: CommandArgument[];
  /** the attribute the command sets, to a fixed value or to argument `fromArg`; none for momentary's push
   * and for setColor, whose map sets hue, saturation and color */
  sets?: { attribute: string; value?: string; fromArg?: number };
}

export interface Capability {
  name: string;
  /** the classic display name, e.g. "Switch Level" */
  title: string;
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
const fixed = (name: string, attribute: string, value: string): CapabilityCommand => ({ name, args: [], sets: { attribute, value } });
const choose = (name: string, attribute: string, argName: string, values: string[]): CapabilityCommand => ({
  name,
  args: [{ name: argName, type: 'enum', values }],
  sets: { attribute, fromArg: 0 },
});
const sensor = (
  name: string,
  title: string,
  allows: string,
  attribute: AttributeSpec,
  initial: AttributeValue,
): Capability => ({ name, title, allows, attributes: [attribute], commands: [], initialState: { [attribute.name]: initial } });

// Value sets as in the SmartThings classic capabilities reference.
const doorValues = ['unknown', 'closed', 'open', 'closing', 'opening'];
const thermostatModes = ['auto', 'emergency heat', 'heat', 'off', 'cool'];
const fanModes = ['auto', 'on', 'circulate'];
const operatingStates = ['heating', 'idle', 'pending cool', 'vent economizer', 'cooling', 'pending heat', 'fan only'];
const modeCommands: CapabilityCommand[] = [
  fixed('off', 'thermostatMode', 'off'),
  fixed('heat', 'thermostatMode', 'heat'),
  fixed('emergencyHeat', 'thermostatMode', 'emergency heat'),
  fixed('cool', 'thermostatMode', 'cool'),
  fixed('auto', 'thermostatMode', 'auto'),
  choose('setThermostatMode', 'thermostatMode', 'mode', thermostatModes),
];
const fanCommands: CapabilityCommand[] = [
  fixed('fanOn', 'thermostatFanMode', 'on'),
  fixed('fanAuto', 'thermostatFanMode', 'auto'),
  fixed('fanCirculate', 'thermostatFanMode', 'circulate'),
  choose('setThermostatFanMode', 'thermostatFanMode', 'fanMode', fanModes),
];
const setpointAttribute = (name: string): AttributeSpec => ({ name, type: 'number', min: -50, max: 150, unit: 'C' });
const percent = (name: string): AttributeSpec => ({ name, type: 'number', min: 0, max: 100, unit: '%' });

export const CAPABILITIES: readonly Capability[] = [
  {
    name: 'switch',
    title: 'Switch',
    allows: 'see whether it is on and turn it on and off',
    attributes: [{ name: 'switch', type: 'enum', values: onOff }],
    commands: [fixed('on', 'switch', 'on'), fixed('off', 'switch', 'off')],
    initialState: { switch: 'off' },
  },
  {
    name: 'switchLevel',
    title: 'Switch Level',
    allows: 'see and set its brightness level',
    attributes: [percent('level')],
    commands: [{ name: 'setLevel', args: [{ name: 'level', type: 'integer', min: 0, max: 100 }], sets: { attribute: 'level', fromArg: 0 } }],
    initialState: { level: 100 },
  },
  {
    name: 'lock',
    title: 'Lock',
    allows: 'see whether it is locked and lock and unlock it',
    attributes: [{ name: 'lock', type: 'enum', values: ['locked', 'unlocked', 'unknown', 'unlocked with timeout'] }],
    commands: [fixed('lock', 'lock', 'locked'), fixed('unlock', 'lock', 'unlocked')],
    initialState: { lock: 'locked' },
  },
  sensor('contactSensor', 'Contact Sensor', 'see whether it is open or closed', { name: 'contact', type: 'enum', values: ['open', 'closed'] }, 'closed'),
  sensor('motionSensor', 'Motion Sensor', 'see whether it detects motion', { name: 'motion', type: 'enum', values: ['active', 'inactive'] }, 'inactive'),
  sensor('temperatureMeasurement', 'Temperature Measurement', 'read its temperature', { name: 'temperature', type: 'number', min: -50, max: 150, unit: 'C' }, 20),
  {
    name: 'thermostat',
    title: 'Thermostat',
    allows: 'see and change its heating and cooling setpoints, its mode and its fan, and see whether it is heating or cooling',
    attributes: [
      setpointAttribute('heatingSetpoint'),
      setpointAttribute('coolingSetpoint'),
      { name: 'thermostatMode', type: 'enum', values: thermostatModes },
      { name: 'thermostatFanMode', type: 'enum', values: fanModes },
      { name: 'thermostatOperatingState', type: 'enum', values: operatingStates },
    ],
    commands: [setpoint('setHeatingSetpoint', 'heatingSetpoint'), setpoint('setCoolingSetpoint', 'coolingSetpoint'), ...modeCommands, ...fanCommands],
    initialState: { heatingSetpoint: 20, coolingSetpoint: 25, thermostatMode: 'off', thermostatFanMode: 'auto', thermostatOperatingState: 'idle' },
  },
  sensor('battery', 'Battery', 'read its battery level', percent('battery'), 100),
  sensor('accelerationSensor', 'Acceleration Sensor', 'see whether it is moving or vibrating', { name: 'acceleration', type: 'enum', values: ['active', 'inactive'] }, 'inactive'),
  {
    name: 'alarm',
    title: 'Alarm',
    allows: 'see whether its siren or strobe is sounding, and sound and silence them',
    attributes: [{ name: 'alarm', type: 'enum', values: ['strobe', 'off', 'both', 'siren'] }],
    commands: [fixed('off', 'alarm', 'off'), fixed('strobe', 'alarm', 'strobe'), fixed('siren', 'alarm', 'siren'), fixed('both', 'alarm', 'both')],
    initialState: { alarm: 'off' },
  },
  {
    name: 'button',
    title: 'Button',
    allows: 'see when its buttons are pushed or held',
    attributes: [
      { name: 'button', type: 'enum', values: ['held', 'pushed'] },
      { name: 'numberOfButtons', type: 'number', min: 1, max: 100 },
    ],
    commands: [],
    initialState: { button: 'pushed', numberOfButtons: 1 },
  },
  sensor('carbonDioxideMeasurement', 'Carbon Dioxide Measurement', 'read its carbon dioxide level', { name: 'carbonDioxide', type: 'number', min: 0, max: 100000, unit: 'ppm' }, 400),
  sensor('carbonMonoxideDetector', 'Carbon Monoxide Detector', 'see whether it detects carbon monoxide', { name: 'carbonMonoxide', type: 'enum', values: ['clear', 'detected', 'tested'] }, 'clear'),
  {
    name: 'colorControl',
    title: 'Color Control',
    allows: 'see and change its colour',
    attributes: [percent('hue'), percent('saturation'), { name: 'color', type: 'string', maxLength: 100 }],
    commands: [
      { name: 'setHue', args: [{ name: 'hue', type: 'number', min: 0, max: 100 }], sets: { attribute: 'hue', fromArg: 0 } },
      { name: 'setSaturation', args: [{ name: 'saturation', type: 'number', min: 0, max: 100 }], sets: { attribute: 'saturation', fromArg: 0 } },
      { name: 'setColor', args: [{ name: 'color', type: 'color' }] },
    ],
    initialState: { hue: 0, saturation: 0, color: '#FFFFFF' },
  },
  {
    name: 'colorTemperature',
    title: 'Color Temperature',
    allows: 'see and set how warm or cool its white light is',
    attributes: [{ name: 'colorTemperature', type: 'number', min: 1000, max: 30000, unit: 'K' }],
    commands: [{ name: 'setColorTemperature', args: [{ name: 'kelvin', type: 'integer', min: 1000, max: 30000 }], sets: { attribute: 'colorTemperature', fromArg: 0 } }],
    initialState: { colorTemperature: 2700 },
  },
  {
    name: 'doorControl',
    title: 'Door Control',
    allows: 'see whether the door is open or closed and open and close it',
    attributes: [{ name: 'door', type: 'enum', values: doorValues }],
    commands: [fixed('open', 'door', 'open'), fixed('close', 'door', 'closed')],
    initialState: { door: 'closed' },
  },
  sensor('energyMeter', 'Energy Meter', 'read the energy it has used', { name: 'energy', type: 'number', min: 0, unit: 'kWh' }, 0),
  {
    name: 'garageDoorControl',
    title: 'Garage Door Control',
    allows: 'see whether the garage door is open or closed and open and close it',
    attributes: [{ name: 'door', type: 'enum', values: doorValues }],
    commands: [fixed('open', 'door', 'open'), fixed('close', 'door', 'closed')],
    initialState: { door: 'closed' },
  },
  sensor('illuminanceMeasurement', 'Illuminance Measurement', 'read how bright it is around it', { name: 'illuminance', type: 'number', min: 0, max: 200000, unit: 'lux' }, 300),
  {
    name: 'momentary',
    title: 'Momentary',
    allows: 'push it, like a doorbell or a garage remote',
    attributes: [],
    commands: [{ name: 'push', args: [] }],
    initialState: {},
  },
  sensor('powerMeter', 'Power Meter', 'read the power it draws', { name: 'power', type: 'number', min: 0, unit: 'W' }, 0),
  sensor('presenceSensor', 'Presence Sensor', 'see whether it is at home', { name: 'presence', type: 'enum', values: ['present', 'not present'] }, 'present'),
  sensor('relativeHumidityMeasurement', 'Relative Humidity Measurement', 'read the humidity around it', percent('humidity'), 50),
  sensor('smokeDetector', 'Smoke Detector', 'see whether it detects smoke', { name: 'smoke', type: 'enum', values: ['detected', 'clear', 'tested'] }, 'clear'),
  {
    name: 'thermostatMode',
    title: 'Thermostat Mode',
    allows: 'see and change whether it heats, cools or is off',
    attributes: [{ name: 'thermostatMode', type: 'enum', values: thermostatModes }],
    commands: modeCommands,
    initialState: { thermostatMode: 'off' },
  },
  {
    name: 'thermostatFanMode',
    title: 'Thermostat Fan Mode',
    allows: 'see and change how its fan runs',
    attributes: [{ name: 'thermostatFanMode', type: 'enum', values: fanModes }],
    commands: fanCommands,
    initialState: { thermostatFanMode: 'auto' },
  },
  sensor('thermostatOperatingState', 'Thermostat Operating State', 'see whether it is heating, cooling or idle', { name: 'thermostatOperatingState', type: 'enum', values: operatingStates }, 'idle'),
  {
    name: 'thermostatHeatingSetpoint',
    title: 'Thermostat Heating Setpoint',
    allows: 'see and change the temperature it heats to',
    attributes: [setpointAttribute('heatingSetpoint')],
    commands: [setpoint('setHeatingSetpoint', 'heatingSetpoint')],
    initialState: { heatingSetpoint: 20 },
  },
  {
    name: 'thermostatCoolingSetpoint',
    title: 'Thermostat Cooling Setpoint',
    allows: 'see and change the temperature it cools to',
    attributes: [setpointAttribute('coolingSetpoint')],
    commands: [setpoint('setCoolingSetpoint', 'coolingSetpoint')],
    initialState: { coolingSetpoint: 25 },
  },
  sensor('threeAxis', 'Three Axis', 'read which way it is tilted', { name: 'threeAxis', type: 'vector3', min: -10000, max: 10000 }, { x: 0, y: 0, z: 1000 }),
  {
    name: 'valve',
    title: 'Valve',
    allows: 'see whether the valve is open or closed and open and close it',
    attributes: [{ name: 'contact', type: 'enum', values: ['closed', 'open'] }],
    commands: [fixed('open', 'contact', 'open'), fixed('close', 'contact', 'closed')],
    initialState: { contact: 'closed' },
  },
  sensor('waterSensor', 'Water Sensor', 'see whether it detects water', { name: 'water', type: 'enum', values: ['dry', 'wet'] }, 'dry'),
  {
    name: 'windowShade',
    title: 'Window Shade',
    allows: 'see whether the shade is open or closed and open, close and preset it',
    attributes: [{ name: 'windowShade', type: 'enum', values: ['unknown', 'open', 'closing', 'closed', 'opening', 'partially open'] }],
    commands: [fixed('open', 'windowShade', 'open'), fixed('close', 'windowShade', 'closed'), fixed('presetPosition', 'windowShade', 'partially open')],
    initialState: { windowShade: 'closed' },
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

type ValueSpec =
  | AttributeSpec
  | { name: string; type: 'enum' | 'number' | 'integer' | 'color'; values?: string[]; min?: number; max?: number };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNumber(name: string, value: unknown, integer: boolean, min?: number, max?: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    return `${name} must be ${integer ? 'a whole number' : 'a number'}`;
  }
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    return `${name} must be from ${min ?? '-∞'} to ${max ?? '∞'}`;
  }
  return null;
}

const HEX_COLOR = /^#[0-9A-Fa-f]{6}$/;

function checkColorMap(name: string, value: unknown): string | null {
  const keys = isRecord(value) ? Object.keys(value).filter((k) => ['hue', 'saturation', 'hex'].includes(k)) : [];
  if (!isRecord(value) || keys.length === 0) {
    return `${name} must be an object with hue, saturation (0 to 100) and/or hex ("#RRGGBB")`;
  }
  for (const key of ['hue', 'saturation'] as const) {
    const problem = key in value ? checkNumber(`${name}.${key}`, value[key], false, 0, 100) : null;
    if (problem) {
      return problem;
    }
  }
  return 'hex' in value && !(typeof value.hex === 'string' && HEX_COLOR.test(value.hex)) ? `${name}.hex must look like "#RRGGBB"` : null;
}

/** Checks one value against an attribute or argument spec; returns a message when it does not fit. */
export function checkValue(spec: ValueSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value) ? null : `${spec.name} must be one of ${(spec.values ?? []).join(', ')}`;
    case 'string':
      return typeof value === 'string' && value.length <= spec.maxLength ? null : `${spec.name} must be text of at most ${spec.maxLength} characters`;
    case 'vector3':
      if (!isRecord(value)) {
        return `${spec.name} must be an object with numbers x, y and z`;
      }
      for (const axis of ['x', 'y', 'z']) {
        const problem = checkNumber(`${spec.name}.${axis}`, value[axis], false, spec.min, spec.max);
        if (problem) {
          return problem;
        }
      }
      return Object.keys(value).length === 3 ? null : `${spec.name} must have only x, y and z`;
    case 'color':
      return checkColorMap(spec.name, value);
    case 'number':
    case 'integer':
      return checkNumber(spec.name, value, spec.type === 'integer', spec.min, spec.max);
  }
}

/**
 * The attribute changes a (checked) command makes: its `sets`, or for setColor the map's hue,
 * saturation and hex (as `color`); momentary's push changes nothing.
 */
export function commandChanges(command: CapabilityCommand, args: unknown[]): { attribute: string; value: AttributeValue }[] {
  if (command.sets) {
    return [{ attribute: command.sets.attribute, value: (command.sets.value ?? args[command.sets.fromArg ?? 0]) as AttributeValue }];
  }
  const map = command.args[0]?.type === 'color' && isRecord(args[0]) ? args[0] : null;
  if (!map) {
    return [];
  }
  const changes: { attribute: string; value: AttributeValue }[] = [];
  for (const [key, attribute] of [['hue', 'hue'], ['saturation', 'saturation'], ['hex', 'color']] as const) {
    if (key in map) {
      changes.push({ attribute, value: map[key] as AttributeValue });
    }
  }
  return changes;
}

/** The capability by our name ("switchLevel") or its classic title ("Switch Level"). */
export function capabilityByAnyName(name: string): Capability | undefined {
  const compact = name.replace(/\s+/g, '').toLowerCase();
  return CAPABILITIES.find((c) => c.name.toLowerCase() === compact);
}
