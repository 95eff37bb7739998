import type { DeviceView } from '../locations/devices.service';
import type { PreferenceSection, SmartAppDefinition } from '../smartapps/smartapp-definition';
import { draftOf, pageMove, postedPage, preferenceStep } from './preference-flow';

const device = (id: string, capabilities: string[]): DeviceView => ({ id, locationId: 'l', label: id, deviceType: capabilities[0], capabilities, state: {} });

const first: PreferenceSection = {
  section: 'Devices',
  inputs: [{ kind: 'device', name: 'lights', capability: 'switch', title: 'Lights', description: null, multiple: true, required: true }],
};
const second: PreferenceSection = {
  section: 'Options',
  inputs: [
    { kind: 'value', name: 'level', type: 'number', title: 'Level', description: null, required: true, defaultValue: null, options: [], range: { min: 0, max: 10 } },
    { kind: 'value', name: 'loud', type: 'bool', title: 'Loud', description: null, required: false, defaultValue: true, options: [] },
    { kind: 'value', name: 'mode', type: 'mode', title: 'Mode', description: null, required: false, defaultValue: null, options: [] },
  ],
};
const definition: SmartAppDefinition = {
  name: 'T',
  namespace: 't',
  author: 'a',
  description: 'd',
  category: 'c',
  oauth: null,
  handlers: [],
  mappings: [],
  preferences: [first, second],
  pages: [
    { name: 'one', title: 'One', sections: [first] },
    { name: 'two', title: 'Two', sections: [second] },
  ],
};
const devices = [device('s1', ['switch'])];
const modes = ['Home', 'Away'];

describe('preferenceStep', () => {
  it('checks only the posted page before moving on, and keeps its choices', () => {
    const refused = preferenceStep(definition, devices, modes, {}, {}, 0, 'next');
    expect(refused).toMatchObject({ kind: 'page', page: 0, errors: { lights: 'Please choose at least one device for "Lights"' } });
    const moved = preferenceStep(definition, devices, modes, {}, { lights: ['s1'] }, 0, 'next');
    expect(moved).toEqual({ kind: 'page', page: 1, draft: { lights: ['s1'] }, errors: {}, forged: false });
  });

  it('Back keeps what was typed without checking it; an unposted box is cleared', () => {
    const back = preferenceStep(definition, devices, modes, { lights: ['s1'], loud: 'true' }, { level: '99' }, 1, 'back');
    expect(back).toEqual({ kind: 'page', page: 0, draft: { lights: ['s1'], level: '99', loud: '', mode: '' }, errors: {}, forged: false });
  });

  it('the last page checks every page and sends the person to the first page with a problem', () => {
    const step = preferenceStep(definition, devices, modes, {}, { level: '3' }, 1, 'finish');
    expect(step).toMatchObject({ kind: 'page', page: 0, errors: { lights: expect.any(String) } });
  });

  it('finishes with typed settings: range, modes and booleans', () => {
    expect(preferenceStep(definition, devices, modes, { lights: ['s1'] }, { level: '11' }, 1, 'finish')).toMatchObject({ kind: 'page', page: 1, errors: { level: '"Level" must be between 0 and 10' } });
    expect(preferenceStep(definition, devices, modes, { lights: ['s1'] }, { level: '3', mode: 'Party' }, 1, 'finish')).toMatchObject({ errors: { mode: expect.stringContaining('Home, Away') } });
    const done = preferenceStep(definition, devices, modes, { lights: ['s1'] }, { level: '3', mode: 'Away' }, 1, 'finish');
    expect(done).toMatchObject({ kind: 'done', settings: { level: 3, loud: false, mode: 'Away' }, grants: [{ inputName: 'lights', deviceId: 's1', capability: 'switch' }] });
  });

  it('a post without a page is the whole form (clients that post everything at once)', () => {
    const done = preferenceStep(definition, devices, modes, {}, { lights: 's1', level: '0' }, null, 'finish');
    expect(done).toMatchObject({ kind: 'done', settings: { level: 0 } });
  });

  it('reads page and decision fields strictly', () => {
    expect(postedPage('1')).toBe(1);
    expect(postedPage(['1'])).toBeNull();
    expect(postedPage('x')).toBeNull();
    expect(pageMove('allow', 'allow')).toBe('finish');
    expect(pageMove('back', 'allow')).toBe('back');
    expect(pageMove('constructor', 'allow')).toBeNull();
    expect(draftOf({ level: 3, days: ['Mon'], note: null }, [{ inputName: 'lights', deviceId: 's1' }])).toEqual({ level: '3', days: ['Mon'], note: '', lights: ['s1'] });
  });
});
