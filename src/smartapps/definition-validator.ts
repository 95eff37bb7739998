import { isCapabilityName } from '../locations/capabilities';
import { SettingValue } from '../installations/installation-settings';
import type { AppShape, JsonValue } from '../sandbox/sandbox.types';
import { HTTP_METHODS, HttpMethod, MappingRoute, NumberRange, PreferenceInput, PreferencePage, PreferenceSection, SmartAppDefinition, ValueInputType } from './smartapp-definition';

export interface ValidationIssue {
  path: string;
  message: string;
}

const VALUE_TYPES: readonly ValueInputType[] = ['text', 'number', 'decimal', 'bool', 'enum', 'mode', 'time', 'phone', 'email'];
export const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
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
    iconUrl: iconUrl(def, issues),
    preferences: [],
    mappings: [],
    handlers: app.handlers,
  };
  if (definition.namespace && !/^[A-Za-z0-9_.-]{1,100}$/.test(definition.namespace)) {
    issues.push({ path: 'definition.namespace', message: 'namespace may hold letters, digits, ".", "_" and "-" only' });
  }
  const prefs = preferences(app.preferences, issues);
  definition.preferences = prefs.sections;
  definition.pages = prefs.pages;
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

function iconUrl(def: JsonObject, issues: ValidationIssue[]): string | null {
  const value = def.iconUrl;
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'string' || value.length > 500 || !/^https:\/\/[^\s"'<>]+$/.test(value)) {
    issues.push({ path: 'definition.iconUrl', message: 'iconUrl must be an https URL of at most 500 characters' });
    return null;
  }
  return value;
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

interface CheckedPreferences {
  sections: PreferenceSection[];
  pages: PreferencePage[];
}

function isPage(value: JsonValue): boolean {
  return isObject(value) && Array.isArray(value.sections);
}

/**
 * `preferences` is a list of sections, or (classic `page`/`dynamicPage`) a list of pages
 * `{ name, title, sections }`, also accepted as `{ pages: [...] }`.
 */
function preferences(value: JsonValue, issues: ValidationIssue[]): CheckedPreferences {
  if (value === null || value === undefined) {
    return { sections: [], pages: [] };
  }
  const pageList = isObject(value) && Array.isArray(value.pages) ? value.pages : Array.isArray(value) && value.length > 0 && value.every(isPage) ? value : null;
  if (pageList === null && !Array.isArray(value)) {
    issues.push({ path: 'preferences', message: 'preferences must be an array of sections, or of pages { name, title, sections }' });
    return { sections: [], pages: [] };
  }
  const seen = new Set<string>();
  if (pageList === null) {
    const sections = sectionsOf(value as JsonValue[], 'preferences', issues, seen);
    return { sections, pages: [{ name: 'main', title: '', sections }] };
  }
  const base = Array.isArray(value) ? 'preferences' : 'preferences.pages';
  const names = new Set<string>();
  const pages = pageList.map((page, p): PreferencePage => {
    const path = `${base}[${p}]`;
    if (!isObject(page) || !Array.isArray(page.sections)) {
      issues.push({ path, message: 'a page must be an object { name, title, sections: [...] }' });
      return { name: `page${p + 1}`, title: '', sections: [] };
    }
    const name = typeof page.name === 'string' && NAME.test(page.name) ? page.name : `page${p + 1}`;
    if (page.name !== undefined && name !== page.name) {
      issues.push({ path: `${path}.name`, message: 'a page name must be an identifier (letters, digits, _; at most 64)' });
    }
    if (names.has(name)) {
      issues.push({ path: `${path}.name`, message: `page name ${name} is used twice` });
    }
    names.add(name);
    if (page.title !== undefined && typeof page.title !== 'string') {
      issues.push({ path: `${path}.title`, message: 'title must be a string' });
    }
    return { name, title: typeof page.title === 'string' ? page.title : '', sections: sectionsOf(page.sections, `${path}.sections`, issues, seen) };
  });
  if (pages.length > 20) {
    issues.push({ path: base, message: 'at most 20 pages' });
  }
  return { sections: pages.flatMap((p) => p.sections), pages };
}

function sectionsOf(value: JsonValue[], base: string, issues: ValidationIssue[], seen: Set<string>): PreferenceSection[] {
  return value.map((section, s) => {
    const path = `${base}[${s}]`;
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

const TYPE_LIST = 'capability.<name>, text, number, decimal, bool, enum, mode, time, phone or email';

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
    issues.push({ path: `${path}.type`, message: `type is required: ${TYPE_LIST}` });
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
  for (const flag of ['required', 'multiple', 'hideWhenEmpty'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') {
      issues.push({ path: `${path}.${flag}`, message: `${flag} must be true or false` });
    }
  }
  if (type.startsWith('capability.')) {
    const capability = type.slice('capability.'.length);
    if (!isCapabilityName(capability)) {
      issues.push({ path: `${path}.type`, message: `unknown capability "${capability}"` });
    }
    return { kind: 'device', name, capability, title, description, multiple: input.multiple === true, required, hideWhenEmpty: input.hideWhenEmpty === true };
  }
  if (!(VALUE_TYPES as readonly string[]).includes(type)) {
    issues.push({ path: `${path}.type`, message: `unknown input type "${type}" (${TYPE_LIST})` });
    return null;
  }
  const valueType = type as ValueInputType;
  const options = Array.isArray(input.options) ? input.options.filter((o): o is string => typeof o === 'string') : [];
  if (valueType === 'enum' && (options.length === 0 || !Array.isArray(input.options) || options.length !== input.options.length)) {
    issues.push({ path: `${path}.options`, message: 'an enum input needs options: a non-empty array of strings' });
  }
  const multiple = input.multiple === true;
  if (multiple && valueType !== 'enum') {
    issues.push({ path: `${path}.multiple`, message: 'multiple is for capability.* and enum inputs' });
  }
  const range = rangeOf(input.range, valueType, `${path}.range`, issues);
  const dv = input.defaultValue;
  const defaultValue: SettingValue =
    typeof dv === 'string' || typeof dv === 'number' || typeof dv === 'boolean' ? dv : Array.isArray(dv) && dv.every((d) => typeof d === 'string') ? dv : null;
  const defaultProblem = dv === undefined || dv === null ? null : defaultValueProblem(valueType, dv, options, multiple, range);
  if (defaultProblem) {
    issues.push({ path: `${path}.defaultValue`, message: defaultProblem });
  }
  return { kind: 'value', name, type: valueType, title, description, required, defaultValue, options, multiple, range };
}

/** `range: "lo..hi"` (classic): either side may be left out or be "*" */
function rangeOf(value: JsonValue | undefined, type: ValueInputType, path: string, issues: ValidationIssue[]): NumberRange | null {
  if (value === undefined || value === null) {
    return null;
  }
  const match = typeof value === 'string' ? /^\s*(-?\d+(?:\.\d+)?|\*)?\s*\.\.\s*(-?\d+(?:\.\d+)?|\*)?\s*$/.exec(value) : null;
  if (type !== 'number' && type !== 'decimal') {
    issues.push({ path, message: 'range is for number and decimal inputs' });
    return null;
  }
  if (!match) {
    issues.push({ path, message: 'range must look like "0..100", "1.." or "..10"' });
    return null;
  }
  const side = (s: string | undefined): number | null => (s === undefined || s === '*' ? null : Number(s));
  const range = { min: side(match[1]), max: side(match[2]) };
  if (range.min !== null && range.max !== null && range.min > range.max) {
    issues.push({ path, message: 'range: the low end is above the high end' });
  }
  return range;
}

/** Why a value is out of range, or null. */
export function rangeProblem(value: number, range: NumberRange | null | undefined): string | null {
  if (!range) {
    return null;
  }
  if (range.min !== null && value < range.min) {
    return range.max === null ? `at least ${range.min}` : `between ${range.min} and ${range.max}`;
  }
  if (range.max !== null && value > range.max) {
    return range.min === null ? `at most ${range.max}` : `between ${range.min} and ${range.max}`;
  }
  return null;
}

function defaultValueProblem(type: ValueInputType, value: JsonValue, options: string[], multiple: boolean, range: NumberRange | null): string | null {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isInteger(value) && !rangeProblem(value, range) ? null : 'defaultValue of a number input must be a whole number within its range';
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) && !rangeProblem(value, range) ? null : 'defaultValue of a decimal input must be a number within its range';
    case 'bool':
      return typeof value === 'boolean' ? null : 'defaultValue of a bool input must be true or false';
    case 'enum': {
      const list = multiple && Array.isArray(value) ? value : [value];
      return list.every((v) => typeof v === 'string' && options.includes(v)) ? null : `defaultValue of an enum input must be one of its options (${options.join(', ')})`;
    }
    case 'time':
      return typeof value === 'string' && TIME.test(value) ? null : 'defaultValue of a time input must be a time like "07:30"';
    case 'text':
    case 'mode':
    case 'phone':
    case 'email':
      return typeof value === 'string' ? null : `defaultValue of a ${type} input must be a string`;
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
