import { AttributeSpec, AttributeValue, CAPABILITIES, Capability, CapabilityCommand, findCapability } from '../locations/capabilities';

// How the device page shows the capability catalogue: what a person can press, slide or pick.

const COMMAND_LABELS: Record<string, string> = {
  on: 'Turn on',
  off: 'Turn off',
  lock: 'Lock',
  unlock: 'Unlock',
  setLevel: 'Level',
  setHeatingSetpoint: 'Heating setpoint',
  setCoolingSetpoint: 'Cooling setpoint',
  setThermostatMode: 'Mode',
  heat: 'Heat',
  cool: 'Cool',
  auto: 'Auto',
  emergencyHeat: 'Emergency heat',
  fanOn: 'Fan on',
  fanAuto: 'Fan auto',
  fanCirculate: 'Fan circulate',
  setThermostatFanMode: 'Fan mode',
  siren: 'Siren',
  strobe: 'Strobe',
  both: 'Siren and strobe',
  setHue: 'Hue',
  setSaturation: 'Saturation',
  setColor: 'Colour',
  setColorTemperature: 'Colour temperature',
  open: 'Open',
  close: 'Close',
  push: 'Push',
  presetPosition: 'Preset position',
};

const VALUE_LABELS: Record<string, string> = {
  open: 'Open',
  closed: 'Closed',
  active: 'Motion',
  inactive: 'No motion',
  locked: 'Locked',
  unlocked: 'Unlocked',
  on: 'On',
  off: 'Off',
  heat: 'Heat',
  cool: 'Cool',
  auto: 'Auto',
  present: 'Present',
  'not present': 'Not present',
  wet: 'Wet',
  dry: 'Dry',
  detected: 'Detected',
  clear: 'Clear',
  tested: 'Tested',
  pushed: 'Pushed',
  held: 'Held',
  siren: 'Siren',
  strobe: 'Strobe',
  both: 'Siren and strobe',
  opening: 'Opening',
  closing: 'Closing',
  unknown: 'Unknown',
  'partially open': 'Partially open',
  idle: 'Idle',
  heating: 'Heating',
  cooling: 'Cooling',
  circulate: 'Circulate',
};

export function capabilityTitle(name: string): string {
  return findCapability(name)?.title ?? name;
}

// acceleration shares its values with motion, where "active" means motion
function choiceLabel(attribute: string, value: string): string {
  if (attribute === 'acceleration') {
    return value === 'active' ? 'Moving' : 'Still';
  }
  return VALUE_LABELS[value] ?? value;
}

export function valueLabel(value: AttributeValue, unit?: string | null): string {
  if (value === null) {
    return '—';
  }
  if (typeof value === 'object') {
    return `x ${value.x}, y ${value.y}, z ${value.z}`;
  }
  if (typeof value === 'number') {
    return unit ? `${value} ${unit === 'C' ? '°C' : unit}` : String(value);
  }
  return VALUE_LABELS[value] ?? value;
}

function currentText(value: AttributeValue | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'object' ? `${value.x},${value.y},${value.z}` : String(value);
}

export interface ButtonControl {
  command: string;
  label: string;
}

export interface ValueControl {
  command: string;
  label: string;
  /** range for 0–100 levels, number for temperatures, select for modes, a colour picker for setColor */
  isRange: boolean;
  isNumber: boolean;
  isSelect: boolean;
  isColor: boolean;
  /** '' when unbounded (a string, so that 0 still shows in the template) */
  min: string;
  max: string;
  step: string;
  unit: string;
  current: string;
  options: { value: string; label: string; selected: boolean }[];
}

export interface SensorControl {
  attribute: string;
  label: string;
  isChoice: boolean;
  /** free text (a colour) or "x,y,z" (three axis) */
  isText: boolean;
  pattern: string;
  choices: { value: string; label: string; current: boolean }[];
  /** '' when unbounded (a string, so that 0 still shows in the template) */
  min: string;
  max: string;
  step: string;
  unit: string;
  current: string;
}

export interface CapabilityPanel {
  name: string;
  title: string;
  buttons: ButtonControl[];
  values: ValueControl[];
  sensors: SensorControl[];
}

function bound(n: number | undefined): string {
  return n === undefined ? '' : String(n);
}

function valueControl(command: CapabilityCommand, state: Record<string, AttributeValue>, capability: Capability): ValueControl {
  const arg = command.args[0];
  const isColor = arg.type === 'color';
  const attribute = command.sets?.attribute ?? (isColor ? 'color' : '');
  const current = state[attribute];
  const spec = capability.attributes.find((a) => a.name === attribute);
  const unit = spec?.type === 'number' ? (spec.unit ?? '') : '';
  const isSelect = arg.type === 'enum';
  const isRange = !isSelect && arg.type === 'integer' && arg.min === 0 && arg.max === 100;
  return {
    command: command.name,
    label: COMMAND_LABELS[command.name] ?? command.name,
    isRange,
    isNumber: !isSelect && !isRange && !isColor,
    isSelect,
    isColor,
    min: bound(arg.min),
    max: bound(arg.max),
    step: arg.type === 'integer' ? '1' : '0.5',
    unit: unit === 'C' ? '°C' : unit,
    current: currentText(current),
    options: (arg.values ?? []).map((v) => ({ value: v, label: choiceLabel(attribute, v), selected: v === current })),
  };
}

/** Whether the capability's commands can set every value of the attribute (a level slider, on/off buttons). */
function coveredByCommands(capability: Capability, attribute: AttributeSpec): boolean {
  const commands = capability.commands.filter((c) => c.sets?.attribute === attribute.name);
  if (attribute.name === 'color' && capability.commands.some((c) => c.args[0]?.type === 'color')) {
    return true;
  }
  if (commands.some((c) => c.sets?.fromArg !== undefined)) {
    return true;
  }
  const fixed = new Set(commands.map((c) => c.sets?.value));
  return attribute.type === 'enum' && attribute.values.every((v) => fixed.has(v));
}

// The simulator reports what the device's commands cannot reach: a sensor's readings, a door
// "opening", a thermostat "heating". (The simulate endpoint takes any attribute of the device.)
function sensorControls(capability: Capability, state: Record<string, AttributeValue>): SensorControl[] {
  return capability.attributes.filter((a) => !coveredByCommands(capability, a)).map((a) => {
    const current = state[a.name];
    return {
      attribute: a.name,
      label: capability.attributes.length > 1 ? `${capability.title}: ${attributeTitle(a.name)}` : capability.title,
      isChoice: a.type === 'enum',
      isText: a.type === 'string' || a.type === 'vector3',
      pattern: a.type === 'vector3' ? '-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?' : '',
      choices: a.type === 'enum' ? a.values.map((v) => ({ value: v, label: choiceLabel(a.name, v), current: v === current })) : [],
      min: a.type === 'number' ? bound(a.min) : '',
      max: a.type === 'number' ? bound(a.max) : '',
      step: a.name === 'temperature' ? '0.1' : a.type === 'number' && a.unit === 'kWh' ? '0.01' : '1',
      unit: a.type === 'number' && a.unit ? (a.unit === 'C' ? '°C' : a.unit) : '',
      current: currentText(current),
    };
  });
}

/** One panel per capability of the device: command buttons and inputs, or simulator controls. */
export function capabilityPanels(capabilities: string[], state: Record<string, AttributeValue>): CapabilityPanel[] {
  return capabilities
    .map((name) => findCapability(name))
    .filter((c): c is Capability => c !== undefined)
    .map((c) => ({
      name: c.name,
      title: c.title,
      buttons: c.commands.filter((cmd) => cmd.args.length === 0).map((cmd) => ({ command: cmd.name, label: COMMAND_LABELS[cmd.name] ?? cmd.name })),
      values: c.commands.filter((cmd) => cmd.args.length === 1).map((cmd) => valueControl(cmd, state, c)),
      sensors: sensorControls(c, state),
    }));
}

/** The current state in words: "Switch: On", "Temperature: 21 °C". */
export function stateSummary(capabilities: string[], state: Record<string, AttributeValue>): { label: string; value: string }[] {
  const seen = new Set<string>();
  const rows: { label: string; value: string }[] = [];
  for (const name of capabilities) {
    const capability = findCapability(name);
    for (const a of capability?.attributes ?? []) {
      if (seen.has(a.name) || !(a.name in state)) {
        continue;
      }
      seen.add(a.name);
      rows.push({ label: attributeTitle(a.name), value: valueLabel(state[a.name], a.type === 'number' ? a.unit : null) });
    }
  }
  return rows;
}

const ATTRIBUTE_TITLES: Record<string, string> = {
  switch: 'Switch',
  level: 'Level',
  lock: 'Lock',
  contact: 'Contact',
  motion: 'Motion',
  temperature: 'Temperature',
  heatingSetpoint: 'Heating setpoint',
  coolingSetpoint: 'Cooling setpoint',
  thermostatMode: 'Mode',
  thermostatFanMode: 'Fan mode',
  thermostatOperatingState: 'Operating state',
  battery: 'Battery',
  acceleration: 'Acceleration',
  alarm: 'Alarm',
  button: 'Button',
  numberOfButtons: 'Number of buttons',
  carbonDioxide: 'Carbon dioxide',
  carbonMonoxide: 'Carbon monoxide',
  hue: 'Hue',
  saturation: 'Saturation',
  color: 'Colour',
  colorTemperature: 'Colour temperature',
  door: 'Door',
  energy: 'Energy',
  illuminance: 'Illuminance',
  power: 'Power',
  presence: 'Presence',
  humidity: 'Humidity',
  smoke: 'Smoke',
  threeAxis: 'Three axis',
  water: 'Water',
  windowShade: 'Window shade',
};

export function attributeTitle(name: string): string {
  return ATTRIBUTE_TITLES[name] ?? name;
}

/** The catalogue for the "add a device" form. */
export function capabilityChoices(chosen: string[] = []): { name: string; title: string; allows: string; checked: boolean }[] {
  return CAPABILITIES.map((c) => ({ name: c.name, title: capabilityTitle(c.name), allows: c.allows, checked: chosen.includes(c.name) }));
}
