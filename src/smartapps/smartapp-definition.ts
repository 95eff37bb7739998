import { SettingValue } from '../installations/installation-settings';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

export type ValueInputType = 'text' | 'number' | 'bool' | 'enum' | 'time';

export interface DeviceInput {
  kind: 'device';
  name: string;
  /** the capability after `capability.` */
  capability: string;
  title: string;
  description: string | null;
  multiple: boolean;
  required: boolean;
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
}

export type PreferenceInput = DeviceInput | ValueInput;

export interface PreferenceSection {
  section: string;
  inputs: PreferenceInput[];
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
  preferences: PreferenceSection[];
  mappings: MappingRoute[];
  handlers: string[];
}

export function deviceInputs(definition: SmartAppDefinition): DeviceInput[] {
  return definition.preferences.flatMap((s) => s.inputs).filter((i): i is DeviceInput => i.kind === 'device');
}

export function valueInputs(definition: SmartAppDefinition): ValueInput[] {
  return definition.preferences.flatMap((s) => s.inputs).filter((i): i is ValueInput => i.kind === 'value');
}
