import { isCapabilityName } from '../locations/capabilities';
import { SettingValue } from '../installations/installation-settings';
import type { AppShape, JsonValue } from '../sandbox/sandbox.types';
import { HTTP_METHODS, HttpMethod, MappingRoute, PreferenceInput, PreferenceSection, SmartAppDefinition, ValueInputType } from './smartapp-definition';

export interface ValidationIssue {
  path: string;
  message: string;
}

const VALUE_TYPES: readonly ValueInputType[] = ['text', 'number', 'bool', 'enum', 'time'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PATH_SEGMENT = /^(:[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~-]+)$/;

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: JsonObject, key: string, path: string, issues: ValidationIssue[], required = true): string {
  const value = obj[key];
  if (typeof value === 'string' && value.trim() !== '') {
    return value;
  }
  if (required || value !== undefined) {
    issues.push({ path: `${path}.${key}`, message: `${key} must be a non-empty string` });
  }
  return '';
}

/** Turns what the sandbox read from a SmartApp module into a checked definition, or says precisely what is wrong. */
export function validateAppShape(app: AppShape): { ok: true; definition: SmartAppDefinition } | { ok: false; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const def = isObject(app.definition) ? app.definition : {};
  if (!isObject(app.definition)) {
    issues.push({ path: 'definition', message: 'definition must be an object' });
  }
  const oauth = def.oauth;
  const definition: SmartAppDefinition = {
    name: str(def, 'name', 'definition', issues),
    namespace: str(def, 'namespace', 'definition', issues),
    author: str(def, 'author', 'definition', issues),
    description: str(def, 'description', 'definition', issues),
    category: typeof def.category === 'string' && def.category ? def.category : 'Convenience',
    oauth: isObject(oauth)
      ? { displayName: typeof oauth.displayName === 'string' ? oauth.displayName : '', displayLink: typeof oauth.displayLink === 'string' ? oauth.displayLink : null }
      : null,
    preferences: preferences(app.preferences, issues),
    mappings: [],
    handlers: app.handlers,
  };
  if (definition.namespace && !/^[A-Za-z0-9_.-]{1,100}$/.test(definition.namespace)) {
    issues.push({ path: 'definition.namespace', message: 'namespace may hold letters, digits, ".", "_" and "-" only' });
  }
  definition.mappings = mappings(app.mappings, app.handlers, issues);
  for (const name of app.nonFunctionHandlers) {
    issues.push({ path: `handlers.${name}`, message: `handler ${name} must be a function` });
  }
  for (const [name, kind] of Object.entries(app.lifecycle)) {
    if (kind === 'not_a_function') {
      issues.push({ path: name, message: `${name} must be a function` });
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, definition };
}

function preferences(value: JsonValue, issues: ValidationIssue[]): PreferenceSection[] {
  if (value === null || value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    issues.push({ path: 'preferences', message: 'preferences must be an array of sections' });
    return [];
  }
  const seen = new Set<string>();
  return value.map((section, s) => {
    const path = `preferences[${s}]`;
    if (!isObject(section) || !Array.isArray(section.inputs)) {
      issues.push({ path, message: 'a section must be an object with an inputs array' });
      return { section: '', inputs: [] };
    }
    const inputs = section.inputs
      .map((input, i) => preferenceInput(input, `${path}.inputs[${i}]`, issues, seen))
      .filter((i): i is PreferenceInput => i !== null);
    return { section: typeof section.section === 'string' ? section.section : '', inputs };
  });
}

function preferenceInput(input: JsonValue, path: string, issues: ValidationIssue[], seen: Set<string>): PreferenceInput | null {
  if (!isObject(input)) {
    issues.push({ path, message: 'an input must be an object' });
    return null;
  }
  const name = typeof input.name === 'string' ? input.name : '';
  if (!NAME.test(name)) {
    issues.push({ path: `${path}.name`, message: 'name must be an identifier (letters, digits, _; at most 64)' });
    return null;
  }
  if (seen.has(name)) {
    issues.push({ path: `${path}.name`, message: `input name ${name} is used twice` });
  }
  seen.add(name);
  const type = typeof input.type === 'string' ? input.type : '';
  const title = typeof input.title === 'string' ? input.title : name;
  const description = typeof input.description === 'string' ? input.description : null;
  const required = input.required !== false;
  for (const flag of ['required', 'multiple'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') {
      issues.push({ path: `${path}.${flag}`, message: `${flag} must be true or false` });
    }
  }
  if (type.startsWith('capability.')) {
    const capability = type.slice('capability.'.length);
    if (!isCapabilityName(capability)) {
      issues.push({ path: `${path}.type`, message: `unknown capability "${capability}"` });
    }
    return { kind: 'device', name, capability, title, description, multiple: input.multiple === true, required };
  }
  if (!(VALUE_TYPES as readonly string[]).includes(type)) {
    issues.push({ path: `${path}.type`, message: `unknown input type "${type}" (capability.<name>, text, number, bool, enum or time)` });
    return null;
  }
  const options = Array.isArray(input.options) ? input.options.filter((o): o is string => typeof o === 'string') : [];
  if (type === 'enum' && options.length === 0) {
    issues.push({ path: `${path}.options`, message: 'an enum input needs options: a non-empty array of strings' });
  }
  const dv = input.defaultValue;
  const defaultValue: SettingValue = typeof dv === 'string' || typeof dv === 'number' || typeof dv === 'boolean' ? dv : null;
  return { kind: 'value', name, type: type as ValueInputType, title, description, required, defaultValue, options };
}

function mappings(value: JsonValue, handlers: string[], issues: ValidationIssue[]): MappingRoute[] {
  if (value === null || value === undefined) {
    return [];
  }
  if (!isObject(value)) {
    issues.push({ path: 'mappings', message: 'mappings must be an object of path → { METHOD: handlerName }' });
    return [];
  }
  return Object.entries(value).map(([path, methods]) => {
    const where = `mappings["${path}"]`;
    const segments = path.split('/').slice(1);
    if (!path.startsWith('/') || segments.length > 4 || segments.some((s) => !PATH_SEGMENT.test(s))) {
      issues.push({ path: where, message: 'a mapping path is /a/b/:param with 1 to 4 segments' });
    }
    const route: MappingRoute = { path, methods: {} };
    if (!isObject(methods)) {
      issues.push({ path: where, message: 'a mapping must be an object { METHOD: handlerName }' });
      return route;
    }
    for (const [method, handler] of Object.entries(methods)) {
      if (!(HTTP_METHODS as readonly string[]).includes(method)) {
        issues.push({ path: `${where}.${method}`, message: `unknown method ${method} (GET, POST, PUT, DELETE)` });
      } else if (typeof handler !== 'string' || !handlers.includes(handler)) {
        issues.push({ path: `${where}.${method}`, message: `handler ${JSON.stringify(handler)} is not a function in handlers` });
      } else {
        route.methods[method as HttpMethod] = handler;
      }
    }
    return route;
  });
}
