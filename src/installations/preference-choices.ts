import type { DeviceView } from '../locations/devices.service';
import { rangeProblem, TIME } from '../smartapps/definition-validator';
import { SettingValue } from './installation-settings';
import { deviceInputs, SmartAppDefinition, ValueInput, valueInputs } from '../smartapps/smartapp-definition';

export interface ChosenGrant {
  inputName: string;
  deviceId: string;
  capability: string;
}

export type ChoiceCheck =
  | { ok: true; settings: Record<string, SettingValue>; grants: ChosenGrant[] }
  /** `forged`: a device id that was never offered (a tampered form), as opposed to a user mistake */
  | { ok: false; forged: boolean; errors: Record<string, string> };

/** What the check needs besides the form: the location's modes; `only`: check just these inputs (one page). */
export interface ChoiceContext {
  modes: string[];
  only?: ReadonlySet<string>;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/** The key of an error about the whole form (not one input): shown above the choices. */
export const FORM_ERROR = '_form';

/** The message shown when the posted choices are not a form of named choices (e.g. `settings=x`). */
export function formErrorOf(errors: Record<string, string>): string | null {
  return errors[FORM_ERROR] ?? null;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
// digits with the usual separators and an optional leading +; at least 3 digits
const PHONE = /^\+?[0-9 ().-]{3,30}$/;

/**
 * Checks what the user chose on a preference page against the SmartApp's preferences and the
 * devices that may be offered (the user's own, in the chosen location, with the capability).
 */
export function checkChoices(definition: SmartAppDefinition, locationDevices: DeviceView[], posted: unknown, context: ChoiceContext = { modes: [] }): ChoiceCheck {
  // nothing posted (no device ticked, no value) is an empty form; anything but named choices is malformed
  if (posted !== undefined && (posted === null || typeof posted !== 'object' || Array.isArray(posted))) {
    return { ok: false, forged: false, errors: { [FORM_ERROR]: 'Your choices could not be read. Please make them again and save.' } };
  }
  const form = (posted ?? {}) as Record<string, unknown>;
  const checked = (name: string) => !context.only || context.only.has(name);
  const errors: Record<string, string> = {};
  let forged = false;
  const grants: ChosenGrant[] = [];
  for (const input of deviceInputs(definition).filter((i) => checked(i.name))) {
    const chosen = asList(form[input.name]);
    const offered = new Set(locationDevices.filter((d) => d.capabilities.includes(input.capability)).map((d) => d.id));
    if (chosen.some((id) => typeof id !== 'string' || !offered.has(id))) {
      forged = true;
      errors[input.name] = 'A device that was not offered was chosen';
      continue;
    }
    const ids = [...new Set(chosen as string[])];
    if (input.required && offered.size === 0) {
      errors[input.name] = `"${input.title}" needs a device that can do this, and there is none in this location. Add one first, or choose another location.`;
    } else if (input.required && ids.length === 0) {
      errors[input.name] = `Please choose ${input.multiple ? 'at least one device' : 'a device'} for "${input.title}"`;
    } else if (!input.multiple && ids.length > 1) {
      errors[input.name] = `Please choose only one device for "${input.title}"`;
    }
    ids.forEach((deviceId) => grants.push({ inputName: input.name, deviceId, capability: input.capability }));
  }
  const settings: Record<string, SettingValue> = {};
  for (const input of valueInputs(definition).filter((i) => checked(i.name))) {
    const outcome = checkValue(input, form[input.name], context.modes);
    if ('error' in outcome) {
      errors[input.name] = outcome.error;
    } else {
      settings[input.name] = outcome.value;
    }
  }
  return Object.keys(errors).length ? { ok: false, forged, errors } : { ok: true, settings, grants };
}

type ValueOutcome = { value: SettingValue } | { error: string };

function checkValue(input: ValueInput, raw: unknown, modes: string[]): ValueOutcome {
  if (input.type === 'enum' && input.multiple) {
    const chosen = asList(raw);
    if (chosen.some((v) => typeof v !== 'string' || !input.options.includes(v))) {
      return { error: `"${input.title}" must be among ${input.options.join(', ')}` };
    }
    if (chosen.length === 0) {
      return input.required ? { error: `Please choose at least one for "${input.title}"` } : { value: [] };
    }
    return { value: [...new Set(chosen as string[])] };
  }
  if (Array.isArray(raw) || (raw !== undefined && typeof raw !== 'string')) {
    return { error: `"${input.title}" takes one value` };
  }
  const text = raw?.trim() ?? '';
  if (text === '') {
    if (input.type === 'bool') {
      return { value: false };
    }
    return input.required ? { error: `Please fill in "${input.title}"` } : { value: input.defaultValue };
  }
  switch (input.type) {
    case 'number':
    case 'decimal': {
      const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) {
        return { error: `"${input.title}" must be a number` };
      }
      if (input.type === 'number' && !Number.isInteger(n)) {
        return { error: `"${input.title}" must be a whole number` };
      }
      const outside = rangeProblem(n, input.range);
      return outside ? { error: `"${input.title}" must be ${outside}` } : { value: n };
    }
    case 'bool':
      return { value: text === 'true' || text === 'on' };
    case 'enum':
      return input.options.includes(text) ? { value: text } : { error: `"${input.title}" must be one of ${input.options.join(', ')}` };
    case 'mode':
      return modes.includes(text) ? { value: text } : { error: `"${input.title}" must be one of the location's modes (${modes.join(', ')})` };
    case 'time':
      return TIME.test(text) ? { value: text } : { error: `"${input.title}" must be a time like 07:30` };
    case 'phone':
      return PHONE.test(text) && (text.match(/\d/g) ?? []).length >= 3 ? { value: text } : { error: `"${input.title}" must be a phone number like +1 555 0100` };
    case 'email':
      return EMAIL.test(text) && text.length <= 254 ? { value: text } : { error: `"${input.title}" must be an email address like name@example.com` };
    case 'text':
      return { value: text.slice(0, 1000) };
  }
}
