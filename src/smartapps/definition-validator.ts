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

// the smartapps table's column sizes: longer values would fail on PostgreSQL
const MAX_LENGTH: Record<string, number> = { name: 200, namespace: 100, author: 100, category: 100, description: 2000, displayName: 200, displayLink: 500 };

function str(obj: JsonObject, key: string, path: string, issues: ValidationIssue[], required = true): string {
  const value = obj[key];
  if (typeof value === 'string' && value.trim() !== '') {
    const max = MAX_LENGTH[key];
    if (max !== undefined && value.length > max) {
      issues.push({ path: `${path}.${key}`, message: `${key} must be at most ${max} characters` });
    }
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
  // without a definition object, its fields are reported once, as "definition must be an object"
  const fieldIssues = isObject(app.definition) ? issues : [];
  const oauth = def.oauth;
  const definition: SmartAppDefinition = {
    name: str(def, 'name', 'definition', fieldIssues),
    namespace: str(def, 'namespace', 'definition', fieldIssues),
    author: str(def, 'author', 'definition', fieldIssues),
    description: str(def, 'description', 'definition', fieldIssues),
    category: str(def, 'category', 'definition', fieldIssues, false) || 'Convenience',
    oauth: oauthSettings(oauth, issues),
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

function oauthSettings(oauth: JsonValue | undefined, issues: ValidationIssue[]): SmartAppDefinition['oauth'] {
  if (oauth === undefined || oauth === null) {
    return null;
  }
  if (!isObject(oauth)) {
    issues.push({ path: 'definition.oauth', message: 'oauth must be an object like { displayName, displayLink }' });
    return null;
  }
  const displayName = str(oauth, 'displayName', 'definition.oauth', issues, false);
  const displayLink = str(oauth, 'displayLink', 'definition.oauth', issues, false);
  if (displayLink && !/^https?:\/\/[^\s]+$/.test(displayLink)) {
    issues.push({ path: 'definition.oauth.displayLink', message: 'displayLink must be an http(s) URL' });
  }
  return { displayName, displayLink: displayLink || null };
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
    if (section.section !== undefined && typeof section.section !== 'string') {
      issues.push({ path: `${path}.section`, message: 'section (its title) must be a string' });
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
  if (type === '') {
    issues.push({ path: `${path}.type`, message: 'type is required: capability.<name>, text, number, bool, enum or time' });
    return null;
  }
  for (const key of ['title', 'description'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'string') {
      issues.push({ path: `${path}.${key}`, message: `${key} must be a string` });
    }
  }
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
  if (type === 'enum' && (options.length === 0 || !Array.isArray(input.options) || options.length !== input.options.length)) {
    issues.push({ path: `${path}.options`, message: 'an enum input needs options: a non-empty array of strings' });
  }
  const dv = input.defaultValue;
  const defaultValue: SettingValue = typeof dv === 'string' || typeof dv === 'number' || typeof dv === 'boolean' ? dv : null;
  const defaultProblem = dv === undefined || dv === null ? null : defaultValueProblem(type as ValueInputType, dv, options);
  if (defaultProblem) {
    issues.push({ path: `${path}.defaultValue`, message: defaultProblem });
  }
  return { kind: 'value', name, type: type as ValueInputType, title, description, required, defaultValue, options };
}

function defaultValueProblem(type: ValueInputType, value: JsonValue, options: string[]): string | null {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'defaultValue of a number input must be a number';
    case 'bool':
      return typeof value === 'boolean' ? null : 'defaultValue of a bool input must be true or false';
    case 'enum':
      return typeof value === 'string' && options.includes(value) ? null : `defaultValue of an enum input must be one of its options (${options.join(', ')})`;
    case 'time':
      return typeof value === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(value) ? null : 'defaultValue of a time input must be a time like "07:30"';
    case 'text':
      return typeof value === 'string' ? null : 'defaultValue of a text input must be a string';
  }
}

function mappings(value: JsonValue, handlers: string[], issues: ValidationIssue[]): MappingRoute[] {
  if (value === null || value === undefined) {
    return [];
  }
  if (!isObject(value)) {
    issues.push({ path: 'mappings', message: 'mappings must be an object of path → { METHOD: handlerName }' });
    return [];
  }
  // "/a/:x" and "/a/:y" match the same requests: which one would answer is not obvious, so refuse
  const shapes = new Map<string, string>();
  return Object.entries(value).map(([path, methods]) => {
    const where = `mappings["${path}"]`;
    const segments = path.split('/').slice(1);
    if (!path.startsWith('/') || segments.length > 4 || segments.some((s) => !PATH_SEGMENT.test(s))) {
      issues.push({ path: where, message: 'a mapping path is /a/b/:param with 1 to 4 segments' });
    } else {
      const params = segments.filter((s) => s.startsWith(':'));
      const repeated = params.find((p, i) => params.indexOf(p) !== i);
      if (repeated) {
        issues.push({ path: where, message: `path variable ${repeated} is used twice` });
      }
      const shape = segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/');
      const twin = shapes.get(shape);
      if (twin !== undefined) {
        issues.push({ path: where, message: `matches the same requests as mappings["${twin}"]` });
      }
      shapes.set(shape, path);
    }
    const route: MappingRoute = { path, methods: {} };
    if (!isObject(methods)) {
      issues.push({ path: where, message: 'a mapping must be an object { METHOD: handlerName }' });
      return route;
    }
    if (Object.keys(methods).length === 0) {
      issues.push({ path: where, message: 'a mapping needs at least one method: { GET: handlerName }' });
    }
    for (const [method, handler] of Object.entries(methods)) {
      if (!(HTTP_METHODS as readonly string[]).includes(method)) {
        const hint = (HTTP_METHODS as readonly string[]).includes(method.toUpperCase()) ? `; methods are upper case: ${method.toUpperCase()}` : '';
        issues.push({ path: `${where}.${method}`, message: `unknown method ${method} (GET, POST, PUT, DELETE)${hint}` });
      } else if (typeof handler !== 'string' || !handlers.includes(handler)) {
        issues.push({ path: `${where}.${method}`, message: `handler ${JSON.stringify(handler)} is not a function in handlers` });
      } else {
        route.methods[method as HttpMethod] = handler;
      }
    }
    return route;
  });
}
