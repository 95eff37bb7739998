import { findCapability } from '../locations/capabilities';
import type { DeviceView } from '../locations/devices.service';
import { pagesOf, SmartAppDefinition, ValueInput } from '../smartapps/smartapp-definition';
import { formErrorOf } from './preference-choices';
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
    /** the HTML input type of a one-line field */
    htmlType: string;
    isBool: boolean;
    isChoice: boolean;
    multiple: boolean;
    current: string;
    checked: boolean;
    /** range ends as attribute text ("0" must still show) */
    min: string | null;
    max: string | null;
    step: string | null;
    options: { value: string; selected: boolean }[];
  };
}

export interface PreferenceSectionView {
  title: string;
  fields: PreferenceField[];
}

/** The choices to show: posted ones after an error, saved draft ones between pages, the installation's on Configure. */
export interface CurrentChoices {
  devices: Record<string, string[]>;
  values: Record<string, SettingValue>;
}

/** Everything the preference partial shows for one page of the form. */
export interface PreferenceFormView {
  sections: PreferenceSectionView[];
  hasErrors: boolean;
  formError: string | null;
  page: number;
  pageCount: number;
  pageTitle: string;
  isMultiPage: boolean;
  isFirstPage: boolean;
  isLastPage: boolean;
  /** 1-based, for "Page 2 of 3" */
  pageNumber: number;
}

export interface PreferenceFormInput {
  devices: DeviceView[];
  modes: string[];
  current: CurrentChoices;
  errors?: Record<string, string>;
  page?: number;
}

const HTML_TYPES: Record<string, string> = { number: 'number', decimal: 'number', time: 'time', phone: 'tel', email: 'email', text: 'text' };

function chosenList(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string');
  }
  return typeof value === 'string' && value !== '' ? [value] : [];
}

function valueField(input: ValueInput, raw: SettingValue | undefined, modes: string[]): NonNullable<PreferenceField['value']> {
  const shown = raw === undefined ? input.defaultValue : raw;
  const list = chosenList(Array.isArray(shown) ? shown : shown === null ? [] : [String(shown)]);
  const text = shown === null || Array.isArray(shown) ? '' : String(shown);
  const options = input.type === 'mode' ? modes : input.options;
  return {
    type: input.type,
    htmlType: HTML_TYPES[input.type] ?? 'text',
    isBool: input.type === 'bool',
    isChoice: input.type === 'enum' || input.type === 'mode',
    multiple: input.multiple === true,
    current: text,
    checked: text === 'true' || text === 'on',
    min: typeof input.range?.min === 'number' ? String(input.range.min) : null,
    max: typeof input.range?.max === 'number' ? String(input.range.max) : null,
    step: input.type === 'number' ? '1' : input.type === 'decimal' ? 'any' : null,
    options: options.map((o) => ({ value: o, selected: list.includes(o) })),
  };
}

/** The page (0-based) clamped to the form's pages. */
export function clampPage(definition: SmartAppDefinition, page: number): number {
  return Math.min(Math.max(0, page), pagesOf(definition).length - 1);
}

/**
 * One page of the preference form, in plain words: for each device input, what granting it allows
 * and the user's matching devices (an input with `hideWhenEmpty` and no such device is left out,
 * unless it is required: then it stays, to say why the form cannot be completed).
 */
export function preferenceForm(definition: SmartAppDefinition, input: PreferenceFormInput): PreferenceFormView {
  const pages = pagesOf(definition);
  const index = clampPage(definition, input.page ?? 0);
  const errors = input.errors ?? {};
  const sections = pages[index].sections
    .map((section) => ({
      title: section.section,
      fields: section.inputs
        .map((field): PreferenceField | null => {
          const base = { name: field.name, fieldName: `settings[${field.name}]`, title: field.title, description: field.description, required: field.required, error: errors[field.name] ?? null };
          if (field.kind === 'device') {
            const chosen = new Set(input.current.devices[field.name] ?? []);
            const options = input.devices.filter((d) => d.capabilities.includes(field.capability)).map((d) => ({ id: d.id, label: d.label, checked: chosen.has(d.id) }));
            if (field.hideWhenEmpty && options.length === 0 && !field.required) {
              return null;
            }
            return {
              ...base,
              device: {
                multiple: field.multiple,
                allowNone: !field.multiple && !field.required,
                noneChecked: chosen.size === 0,
                allows: findCapability(field.capability)?.allows ?? field.capability,
                capability: field.capability,
                options,
              },
              value: null,
            };
          }
          return { ...base, device: null, value: valueField(field, input.current.values[field.name], input.modes) };
        })
        .filter((f): f is PreferenceField => f !== null),
    }))
    .filter((s) => s.fields.length > 0);
  return {
    sections,
    hasErrors: Object.keys(errors).length > 0,
    formError: formErrorOf(errors),
    page: index,
    pageCount: pages.length,
    pageTitle: pages[index].title,
    isMultiPage: pages.length > 1,
    isFirstPage: index === 0,
    isLastPage: index === pages.length - 1,
    pageNumber: index + 1,
  };
}

/** The posted (or drafted) `settings[...]` split into device choices and values, to show again. */
export function postedChoices(posted: unknown): CurrentChoices {
  const form = posted && typeof posted === 'object' && !Array.isArray(posted) ? (posted as Record<string, unknown>) : {};
  const devices: Record<string, string[]> = {};
  const values: Record<string, SettingValue> = {};
  for (const [name, value] of Object.entries(form)) {
    devices[name] = chosenList(value);
    if (typeof value === 'string') {
      values[name] = value;
    } else if (Array.isArray(value)) {
      values[name] = chosenList(value);
    }
  }
  return { devices, values };
}
