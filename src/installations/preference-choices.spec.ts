import type { DeviceView } from '../locations/devices.service';
import type { SmartAppDefinition } from '../smartapps/smartapp-definition';
import { checkChoices } from './preference-choices';

const device = (id: string, capabilities: string[]): DeviceView => ({ id, locationId: 'l', label: id, deviceType: capabilities[0], capabilities, state: {} });

const definition: SmartAppDefinition = {
  name: 'T',
  namespace: 't',
  author: 'a',
  description: 'd',
  category: 'c',
  oauth: null,
  handlers: [],
  mappings: [],
  preferences: [
    {
      section: 's',
      inputs: [
        { kind: 'device', name: 'lights', capability: 'switch', title: 'Lights', description: null, multiple: true, required: true },
        { kind: 'device', name: 'door', capability: 'lock', title: 'Door', description: null, multiple: false, required: false },
        { kind: 'value', name: 'minutes', type: 'number', title: 'Minutes', description: null, required: false, defaultValue: 5, options: [] },
        { kind: 'value', name: 'mode', type: 'enum', title: 'Mode', description: null, required: true, defaultValue: null, options: ['home', 'away'] },
      ],
    },
  ],
};
const offered = [device('s1', ['switch']), device('s2', ['switch', 'switchLevel']), device('k1', ['lock'])];

describe('checkChoices', () => {
  it('turns valid choices into grants (one per device and input) and typed settings', () => {
    const result = checkChoices(definition, offered, { lights: ['s1', 's2'], door: 'k1', minutes: '10', mode: 'away' });
    expect(result).toEqual({
      ok: true,
      settings: { minutes: 10, mode: 'away' },
      grants: [
        { inputName: 'lights', deviceId: 's1', capability: 'switch' },
        { inputName: 'lights', deviceId: 's2', capability: 'switch' },
        { inputName: 'door', deviceId: 'k1', capability: 'lock' },
      ],
    });
  });

  it('flags a device that was not offered for that input as forged', () => {
    expect(checkChoices(definition, offered, { lights: ['s1', 'k1'], mode: 'home' })).toMatchObject({ ok: false, forged: true });
    expect(checkChoices(definition, offered, { lights: ['s1', 'elsewhere'], mode: 'home' })).toMatchObject({ ok: false, forged: true });
  });

  it('explains a missing required input, two devices for a single input, and bad values', () => {
    const result = checkChoices(definition, offered, { door: ['k1', 'k1b'], minutes: 'ten', mode: 'party' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.lights).toContain('at least one device');
      expect(result.errors.minutes).toContain('must be a number');
      expect(result.errors.mode).toContain('home, away');
    }
  });

  it('uses the default of an optional value left empty', () => {
    expect(checkChoices(definition, offered, { lights: 's1', mode: 'home', minutes: '' })).toMatchObject({ ok: true, settings: { minutes: 5 } });
  });
});
