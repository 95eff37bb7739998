import { SettingValue } from '../installations/installation-settings';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

export type ValueInputType = 'text' | 'number' | 'decimal' | 'bool' | 'enum' | 'mode' | 'time' | 'phone' | 'email';

export interface DeviceInput {
  kind: 'device';
  name: string;
  /** the capability after `capability.` */
  capability: string;
  title: string;
  description: string | null;
  multiple: boolean;
  required: boolean;
  /** hidden on the page when the location has no matching device (classic `hideWhenEmpty`) */
  hideWhenEmpty?: boolean;
}

/** `range: "lo..hi"` of a number or decimal input; either side may be open */
export interface NumberRange {
  min: number | null;
  max: number | null;
}

export interface ValueInput {
  kind: 'value';
  name: string;
  type: ValueInputType;
  title: string;
  description: string | null;
  required: boolean;
  defaultValue: SettingValue;
  options: string[];
  /** an enum with `multiple`: several options, its setting a list */
  multiple?: boolean;
  range?: NumberRange | null;
}

export type PreferenceInput = DeviceInput | ValueInput;

export interface PreferenceSection {
  section: string;
  inputs: PreferenceInput[];
}

/** classic `page`/`dynamicPage`: shown in order, each posted before the next */
export interface PreferencePage {
  name: string;
  title: string;
  sections: PreferenceSection[];
}

export interface MappingRoute {
  path: string;
  /** method -> handler name */
  methods: Partial<Record<HttpMethod, string>>;
}

export interface SmartAppDefinition {
  name: string;
  namespace: string;
  author: string;
  description: string;
  category: string;
  oauth: { displayName: string; displayLink: string | null } | null;
  /** classic `iconUrl`: shown on the consent and install pages (absent on older versions) */
  iconUrl?: string | null;
  /** every section of every page, in order */
  preferences: PreferenceSection[];
  /** absent on versions published before pages existed: one page holding `preferences` */
  pages?: PreferencePage[];
  mappings: MappingRoute[];
  handlers: string[];
}

export function deviceInputs(definition: SmartAppDefinition): DeviceInput[] {
  return definition.preferences.flatMap((s) => s.inputs).filter((i): i is DeviceInput => i.kind === 'device');
}

export function valueInputs(definition: SmartAppDefinition): ValueInput[] {
  return definition.preferences.flatMap((s) => s.inputs).filter((i): i is ValueInput => i.kind === 'value');
}

/** The pages of the preference form; a SmartApp without pages has one. */
export function pagesOf(definition: SmartAppDefinition): PreferencePage[] {
  return definition.pages?.length ? definition.pages : [{ name: 'main', title: '', sections: definition.preferences }];
}
