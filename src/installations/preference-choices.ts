import type { DeviceView } from '../locations/devices.service';
import { SettingValue } from './installation-settings';
import { deviceInputs, SmartAppDefinition, valueInputs } from '../smartapps/smartapp-definition';

export interface ChosenGrant {
  inputName: string;
  deviceId: string;
  capability: string;
}

export type ChoiceCheck =
  | { ok: true; settings: Record<string, SettingValue>; grants: ChosenGrant[] }
  /** `forged`: a device id that was never offered (a tampered form), as opposed to a user mistake */
  | { ok: false; forged: boolean; errors: Record<string, string> };

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

/**
 * Checks what the user chose on a preference page against the SmartApp's preferences and the
 * devices that may be offered (the user's own, in the chosen location, with the capability).
 */
export function checkChoices(definition: SmartAppDefinition, locationDevices: DeviceView[], posted: unknown): ChoiceCheck {
  // nothing posted (no device ticked, no value) is an empty form; anything but named choices is malformed
  if (posted !== undefined && (posted === null || typeof posted !== 'object' || Array.isArray(posted))) {
    return { ok: false, forged: false, errors: { [FORM_ERROR]: 'Your choices could not be read. Please make them again and save.' } };
  }
  const form = (posted ?? {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  let forged = false;
  const grants: ChosenGrant[] = [];
  for (const input of deviceInputs(definition)) {
    const chosen = asList(form[input.name]);
    const offered = new Set(locationDevices.filter((d) => d.capabilities.includes(input.capability)).map((d) => d.id));
    if (chosen.some((id) => typeof id !== 'string' || !offered.has(id))) {
      forged = true;
      errors[input.name] = 'A device that was not offered was chosen';
      continue;
    }
    const ids = [...new Set(chosen as string[])];
    if (input.required && ids.length === 0) {
      errors[input.name] = `Please choose ${input.multiple ? 'at least one device' : 'a device'} for "${input.title}"`;
    } else if (!input.multiple && ids.length > 1) {
      errors[input.name] = `Please choose only one device for "${input.title}"`;
    }
    ids.forEach((deviceId) => grants.push({ inputName: input.name, deviceId, capability: input.capability }));
  }
  const settings: Record<string, SettingValue> = {};
  for (const input of valueInputs(definition)) {
    const raw = form[input.name];
    if (Array.isArray(raw) || (raw !== undefined && typeof raw !== 'string')) {
      errors[input.name] = `"${input.title}" takes one value`;
      continue;
    }
    const text = raw?.trim() ?? '';
    if (text === '') {
      if (input.type === 'bool') {
        settings[input.name] = false;
      } else if (input.required) {
        errors[input.name] = `Please fill in "${input.title}"`;
      } else {
        settings[input.name] = input.defaultValue;
      }
      continue;
    }
    switch (input.type) {
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n)) {
          errors[input.name] = `"${input.title}" must be a number`;
        } else {
          settings[input.name] = n;
        }
        break;
      }
      case 'bool':
        settings[input.name] = text === 'true' || text === 'on';
        break;
      case 'enum':
        if (!input.options.includes(text)) {
          errors[input.name] = `"${input.title}" must be one of ${input.options.join(', ')}`;
        } else {
          settings[input.name] = text;
        }
        break;
      case 'time':
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(text)) {
          errors[input.name] = `"${input.title}" must be a time like 07:30`;
        } else {
          settings[input.name] = text;
        }
        break;
      case 'text':
        settings[input.name] = text.slice(0, 1000);
        break;
    }
  }
  return Object.keys(errors).length ? { ok: false, forged, errors } : { ok: true, settings, grants };
}
