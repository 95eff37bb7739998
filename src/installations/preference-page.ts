import { findCapability } from '../locations/capabilities';
import type { DeviceView } from '../locations/devices.service';
import { SmartAppDefinition } from '../smartapps/smartapp-definition';
import { SettingValue } from './installation-settings';

export interface PreferenceField {
  name: string;
  fieldName: string;
  title: string;
  description: string | null;
  required: boolean;
  error: string | null;
  device: null | {
    multiple: boolean;
    /** a single, optional input: a "None" radio, since a radio cannot be unticked */
    allowNone: boolean;
    noneChecked: boolean;
    allows: string;
    capability: string;
    options: { id: string; label: string; checked: boolean }[];
  };
  value: null | {
    type: string;
    isText: boolean;
    isNumber: boolean;
    isBool: boolean;
    isEnum: boolean;
    isTime: boolean;
    current: string;
    checked: boolean;
    options: { value: string; selected: boolean }[];
  };
}

export interface PreferenceSectionView {
  title: string;
  fields: PreferenceField[];
}

function chosenList(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string');
  }
  return typeof value === 'string' ? [value] : [];
}

/**
 * The preference page, in plain words: for each device input, what granting it allows and the
 * user's matching devices; `current` holds the choices to show (posted ones after an error,
 * the installation's on reconfigure).
 */
export function preferenceSections(
  definition: SmartAppDefinition,
  devices: DeviceView[],
  current: { devices: Record<string, string[]>; values: Record<string, SettingValue | string> },
  errors: Record<string, string> = {},
): PreferenceSectionView[] {
  return definition.preferences.map((section) => ({
    title: section.section,
    fields: section.inputs.map((input): PreferenceField => {
      const base = {
        name: input.name,
        fieldName: `settings[${input.name}]`,
        title: input.title,
        description: input.description,
        required: input.required,
        error: errors[input.name] ?? null,
      };
      if (input.kind === 'device') {
        const chosen = new Set(current.devices[input.name] ?? []);
        return {
          ...base,
          device: {
            multiple: input.multiple,
            allowNone: !input.multiple && !input.required,
            noneChecked: chosen.size === 0,
            allows: findCapability(input.capability)?.allows ?? input.capability,
            capability: input.capability,
            options: devices
              .filter((d) => d.capabilities.includes(input.capability))
              .map((d) => ({ id: d.id, label: d.label, checked: chosen.has(d.id) })),
          },
          value: null,
        };
      }
      const raw = current.values[input.name];
      const text = raw === undefined || raw === null ? (input.defaultValue === null ? '' : String(input.defaultValue)) : String(raw);
      return {
        ...base,
        device: null,
        value: {
          type: input.type,
          isText: input.type === 'text',
          isNumber: input.type === 'number',
          isBool: input.type === 'bool',
          isEnum: input.type === 'enum',
          isTime: input.type === 'time',
          current: text,
          checked: text === 'true' || text === 'on',
          options: input.options.map((o) => ({ value: o, selected: o === text })),
        },
      };
    }),
  }));
}

/** The posted `settings[...]` split into device choices and values, to re-show after an error. */
export function postedChoices(posted: unknown): { devices: Record<string, string[]>; values: Record<string, string> } {
  const form = posted && typeof posted === 'object' && !Array.isArray(posted) ? (posted as Record<string, unknown>) : {};
  const devices: Record<string, string[]> = {};
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(form)) {
    devices[name] = chosenList(value);
    if (typeof value === 'string') {
      values[name] = value;
    }
  }
  return { devices, values };
}
