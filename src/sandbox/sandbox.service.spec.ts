import { Test } from '@nestjs/testing';
import { SandboxModule } from './sandbox.module';
import { DEFAULT_SANDBOX_LIMITS, SANDBOX_LIMITS, SandboxService } from './sandbox.service';
import { dimmerDevice, snapshotWith, switchDevice } from './sandbox.testing';
import type { Effects, HandlerRef, SandboxLimits, SandboxResult, Snapshot } from './sandbox.types';

const DEVICE_BRIDGE = `
export default {
  definition: { name: "Device Bridge", namespace: "example", author: "Example", description: "...", category: "Convenience" },
  preferences: [ { section: "Allow", inputs: [ { name: "switches", type: "capability.switch", title: "Which switches?", multiple: true, required: false } ] } ],
  mappings: { "/switches": { GET: "listSwitches" }, "/switches/:command": { PUT: "updateSwitches" } },
  installed(ctx) { ctx.subscribe(ctx.settings.switches, "switch", "onSwitch") },
  updated(ctx) { ctx.unsubscribe(); ctx.subscribe(ctx.settings.switches, "switch", "onSwitch") },
  uninstalled(ctx) {},
  handlers: {
    listSwitches(ctx) { return ctx.settings.switches.map(d => ({ id: d.id, name: d.label, value: d.currentValue("switch") })) },
    updateSwitches(ctx) {
      const cmd = ctx.params.command
      if (cmd !== "on" && cmd !== "off") ctx.httpError(400, \`\${cmd} is not a valid command for all switches specified\`)
      ctx.settings.switches.forEach(d => d[cmd]())
      return ctx.settings.switches.map(d => d.currentValue("switch"))
    },
    onSwitch(ctx, evt) { ctx.log.info(\`\${evt.displayName} is \${evt.value}\`) } } }
`;

const bridgeSnapshot = (overrides: Partial<Snapshot> = {}): Snapshot =>
  snapshotWith({
    deviceInputs: { switches: { multiple: true, devices: [switchDevice('sw-1', 'Kitchen', 'off'), switchDevice('sw-2', 'Porch', 'on')] } },
    ...overrides,
  });

/** A module whose handlers object holds exactly the given handler source. */
const withHandler = (handler: string): string => `export default { handlers: { ${handler} } }`;

describe('SandboxService', () => {
  const service = new SandboxService();

  const run = (source: string, handler: HandlerRef, snapshot: Snapshot = snapshotWith(), limits?: Partial<SandboxLimits>): Promise<SandboxResult> =>
    service.run({ versionKey: 'v1', source, handler, snapshot, limits });
  const mapping = (name: string): HandlerRef => ({ kind: 'mapping', name });

  function effectsOf(result: SandboxResult): Effects {
    if (!result.ok) {
      throw new Error(`expected a successful run, got ${result.error.kind}: ${result.error.message}`);
    }
    return result.effects;
  }

  function errorOf(result: SandboxResult): { kind: string; message: string; stack?: string } {
    if (result.ok) {
      throw new Error(`expected a failed run, got ${JSON.stringify(result.effects.response)}`);
    }
    return result.error;
  }

  afterEach(() => {
    // a discarded engine means a session broke on the host side, e.g. a leaked handle at dispose
    expect(service.stats().enginesDiscarded).toBe(0);
  });
  afterAll(() => service.onModuleDestroy());

  describe('the Device Bridge example', () => {
    it('lists the granted switches with their current values', async () => {
      const effects = effectsOf(await run(DEVICE_BRIDGE, mapping('listSwitches'), bridgeSnapshot()));
      expect(effects.response).toEqual({
        kind: 'value',
        value: [
          { id: 'sw-1', name: 'Kitchen', value: 'off' },
          { id: 'sw-2', name: 'Porch', value: 'on' },
        ],
      });
      expect(effects.commands).toEqual([]);
    });

    it('records a command per switch and lets the handler read its own writes', async () => {
      const effects = effectsOf(await run(DEVICE_BRIDGE, mapping('updateSwitches'), bridgeSnapshot({ params: { command: 'on' } })));
      expect(effects.commands).toEqual([
        { deviceId: 'sw-1', inputName: 'switches', command: 'on', args: [] },
        { deviceId: 'sw-2', inputName: 'switches', command: 'on', args: [] },
      ]);
      expect(effects.response).toEqual({ kind: 'value', value: ['on', 'on'] });
    });

    it('ends with the httpError response and no commands for an unknown command', async () => {
      const effects = effectsOf(await run(DEVICE_BRIDGE, mapping('updateSwitches'), bridgeSnapshot({ params: { command: 'dance' } })));
      expect(effects.response).toEqual({ kind: 'httpError', status: 400, message: 'dance is not a valid command for all switches specified' });
      expect(effects.commands).toEqual([]);
    });

    it('subscribes to the switches when installed', async () => {
      const effects = effectsOf(await run(DEVICE_BRIDGE, { kind: 'lifecycle', name: 'installed' }, bridgeSnapshot()));
      expect(effects.response).toEqual({ kind: 'none' });
      expect(effects.subscriptions).toEqual([{ op: 'subscribe', deviceIds: ['sw-1', 'sw-2'], attribute: 'switch', value: null, handler: 'onSwitch' }]);
    });

    it('unsubscribes before subscribing again when updated', async () => {
      const effects = effectsOf(await run(DEVICE_BRIDGE, { kind: 'lifecycle', name: 'updated' }, bridgeSnapshot()));
      expect(effects.subscriptions.map((op) => op.op)).toEqual(['unsubscribe', 'subscribe']);
    });

    it('passes the event to an event handler', async () => {
      const event = { deviceId: 'sw-1', displayName: 'Kitchen', name: 'switch', value: 'on', unit: null, date: '2025-01-02T03:04:05.000Z', source: 'DEVICE' };
      const effects = effectsOf(await run(DEVICE_BRIDGE, { kind: 'event', name: 'onSwitch' }, bridgeSnapshot({ event })));
      expect(effects.logs).toEqual([{ level: 'info', message: 'Kitchen is on' }]);
    });
  });

  describe('ctx', () => {
    it('exposes the snapshot as settings, params, body, request.JSON, headers, location, installationId and now', async () => {
      const source = withHandler(`
        show(ctx) {
          return { settings: ctx.settings, params: ctx.params, body: ctx.body, requestJson: ctx.request.JSON, headers: ctx.headers,
                   location: ctx.location, installationId: ctx.installationId, now: ctx.now }
        }`);
      const snapshot = snapshotWith({
        settings: { greeting: 'hi', threshold: 3, flags: { loud: true } },
        params: { id: '42', q: 'x' },
        body: { command: 'lock' },
        headers: { 'content-type': 'application/json' },
      });
      const effects = effectsOf(await run(source, mapping('show'), snapshot));
      expect(effects.response).toEqual({
        kind: 'value',
        value: {
          settings: { greeting: 'hi', threshold: 3, flags: { loud: true } },
          params: { id: '42', q: 'x' },
          body: { command: 'lock' },
          requestJson: { command: 'lock' },
          headers: { 'content-type': 'application/json' },
          // a snapshot without modes (sandbox.location.spec.ts has the full location) reads as Home
          location: { id: 'location-1', name: 'Home', timeZone: 'Europe/Berlin', latitude: null, longitude: null, mode: 'Home', currentMode: { name: 'Home' }, modes: [] },
          installationId: 'installation-1',
          now: '2025-01-02T03:04:05.000Z',
        },
      });
    });

    it('freezes the snapshot copies so a handler cannot rewrite its inputs', async () => {
      const source = withHandler(`
        write(ctx) {
          const attempts = [() => { ctx.params.id = 'x' }, () => { ctx.settings.greeting = 'x' }, () => { ctx.body.command = 'x' }, () => { ctx.state = {} }]
          return attempts.map(attempt => { try { attempt(); return 'written' } catch (e) { return e.name } })
        }`);
      const effects = effectsOf(await run(source, mapping('write'), snapshotWith({ settings: { greeting: 'hi' }, params: { id: '1' }, body: { command: 'on' } })));
      expect(effects.response).toEqual({ kind: 'value', value: ['TypeError', 'TypeError', 'TypeError', 'TypeError'] });
    });

    it('returns the mutated ctx.state as effects.state', async () => {
      const source = withHandler(`count(ctx) { ctx.state.count = (ctx.state.count || 0) + 1; ctx.state.last = ctx.params.who; delete ctx.state.old }`);
      const effects = effectsOf(await run(source, mapping('count'), snapshotWith({ state: { count: 2, old: true }, params: { who: 'me' } })));
      expect(effects.state).toEqual({ count: 3, last: 'me' });
    });

    it('gives a single device input as one proxy or null, and a multiple one as an array', async () => {
      const source = withHandler(`
        shape(ctx) { return { one: ctx.settings.one.id, none: ctx.settings.none, many: ctx.settings.many.map(d => d.id), empty: ctx.settings.empty } }`);
      const snapshot = snapshotWith({
        deviceInputs: {
          one: { multiple: false, devices: [switchDevice('a', 'A')] },
          none: { multiple: false, devices: [] },
          many: { multiple: true, devices: [switchDevice('b', 'B'), switchDevice('c', 'C')] },
          empty: { multiple: true, devices: [] },
        },
      });
      const effects = effectsOf(await run(source, mapping('shape'), snapshot));
      expect(effects.response).toEqual({ kind: 'value', value: { one: 'a', none: null, many: ['b', 'c'], empty: [] } });
    });

    it('describes a device with id, label, capabilities, currentValue and currentState', async () => {
      const source = withHandler(`
        show(ctx) {
          const d = ctx.settings.lamp
          return { id: d.id, label: d.label, capabilities: d.capabilities, level: d.currentValue('level'), missing: d.currentValue('color'),
                   inherited: d.currentValue('constructor'), state: d.currentState('switch'), noState: d.currentState('color'), json: JSON.parse(JSON.stringify(d)) }
        }`);
      const effects = effectsOf(await run(source, mapping('show'), snapshotWith({ deviceInputs: { lamp: { multiple: false, devices: [dimmerDevice('d-1', 'Desk', 30)] } } })));
      expect(effects.response).toEqual({
        kind: 'value',
        value: {
          id: 'd-1',
          label: 'Desk',
          capabilities: [
            { name: 'Switch', attributes: [{ name: 'switch' }], commands: [{ name: 'on' }, { name: 'off' }] },
            { name: 'Switch Level', attributes: [{ name: 'level' }], commands: [{ name: 'setLevel' }] },
          ],
          level: 30,
          missing: null,
          inherited: null,
          state: { name: 'switch', value: 'off', date: '2025-01-01T00:00:00.000Z', unixTime: Date.parse('2025-01-01T00:00:00.000Z') },
          noState: null,
          json: {
            id: 'd-1',
            name: 'Simulated Dimmer',
            label: 'Desk',
            displayName: 'Desk',
            capabilities: [
              { name: 'Switch', attributes: [{ name: 'switch' }], commands: [{ name: 'on' }, { name: 'off' }] },
              { name: 'Switch Level', attributes: [{ name: 'level' }], commands: [{ name: 'setLevel' }] },
            ],
          },
        },
      });
    });

    it('answers classic device questions: name, hasCapability, hasCommand, supported*, latestValue, currentState dates', async () => {
      const source = withHandler(`
        ask(ctx) {
          const d = ctx.settings.lamp
          const s = d.currentState('level')
          return {
            name: d.name,
            has: [d.hasCapability('Switch Level'), d.hasCapability('switchLevel'), d.hasCapability('switch'), d.hasCapability('Lock')],
            commands: [d.hasCommand('setLevel'), d.hasCommand('unlock')],
            attributes: d.supportedAttributes.map(a => a.name),
            supported: d.supportedCommands.map(c => c.name),
            latest: d.latestValue('level'),
            isDate: s.date instanceof Date,
            unixTime: s.unixTime,
            afterCommand: (d.setLevel(70), [d.currentValue('level'), d.currentState('level').date.toISOString()]),
          }
        }`);
      const effects = effectsOf(await run(source, mapping('ask'), snapshotWith({ deviceInputs: { lamp: { multiple: false, devices: [dimmerDevice('d-1', 'Desk', 30)] } } })));
      expect(effects.response).toEqual({
        kind: 'value',
        value: {
          name: 'Simulated Dimmer',
          has: [true, true, true, false],
          commands: [true, false],
          attributes: ['switch', 'level'],
          supported: ['on', 'off', 'setLevel'],
          latest: 30,
          isDate: true,
          unixTime: Date.parse('2025-01-02T00:00:00.000Z'),
          // a command's new value is dated "now" (the snapshot's time)
          afterCommand: [70, '2025-01-02T03:04:05.000Z'],
        },
      });
    });

    it('gives device.events(max) newest first, as Dates, and events() at most 10', async () => {
      const events = Array.from({ length: 12 }, (_, i) => ({ name: 'switch', value: i % 2 ? 'on' : 'off', unit: null, date: new Date(Date.UTC(2025, 0, 1, 0, 0, 12 - i)).toISOString() }));
      const device = { ...switchDevice('sw-1', 'Kitchen'), events };
      const source = withHandler(`
        recent(ctx) {
          const d = ctx.settings.lamp
          const two = d.events(2)
          return { count: d.events().length, two: two.map(e => [e.name, e.value, e.deviceId, e.date instanceof Date, e.date.toISOString()]), none: d.events(0).length }
        },
        bad(ctx) { return ctx.settings.lamp.events(-1) }`);
      const snapshot = snapshotWith({ deviceInputs: { lamp: { multiple: false, devices: [device] } } });
      const effects = effectsOf(await run(source, mapping('recent'), snapshot));
      expect(effects.response).toEqual({
        kind: 'value',
        value: {
          count: 10,
          two: [
            ['switch', 'off', 'sw-1', true, '2025-01-01T00:00:12.000Z'],
            ['switch', 'on', 'sw-1', true, '2025-01-01T00:00:11.000Z'],
          ],
          none: 0,
        },
      });
      const result = await run(source, mapping('bad'), snapshot);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.error.message).toContain('max must be a non-negative whole number');
    });

    it('gives an event handler the event with its date as a Date and the granted device', async () => {
      const source = withHandler(`
        onSwitch(ctx, evt) {
          return { isDate: evt.date instanceof Date, iso: evt.date.toISOString(), device: evt.device && evt.device.displayName, same: evt.device === ctx.settings.switches[1],
                   value: evt.value, displayName: evt.displayName, json: JSON.parse(JSON.stringify(evt)) }
        }`);
      const event = { deviceId: 'sw-2', displayName: 'Porch', name: 'switch', value: 'on', unit: null, date: '2025-01-02T03:04:00.000Z', source: 'user' };
      const effects = effectsOf(await run(source, { kind: 'event', name: 'onSwitch' }, bridgeSnapshot({ event })));
      expect(effects.response).toEqual({
        kind: 'value',
        value: { isDate: true, iso: '2025-01-02T03:04:00.000Z', device: 'Porch', same: true, value: 'on', displayName: 'Porch', json: event },
      });
    });

    it('sets hue, saturation and color from setColor and checks its map', async () => {
      const bulb = {
        id: 'b-1',
        label: 'Bulb',
        capabilities: ['colorControl'],
        state: { hue: 0, saturation: 0, color: '#FFFFFF' },
        commands: [{ name: 'setColor', args: [{ name: 'color', type: 'color' as const }] }],
      };
      const source = withHandler(`
        paint(ctx) { const b = ctx.settings.bulb; b.setColor({ hue: 30, hex: '#FF8800' }); return [b.currentValue('hue'), b.currentValue('saturation'), b.currentValue('color')] },
        wrong(ctx) { ctx.settings.bulb.setColor('red') }`);
      const snapshot = snapshotWith({ deviceInputs: { bulb: { multiple: false, devices: [bulb] } } });
      const effects = effectsOf(await run(source, mapping('paint'), snapshot));
      expect(effects.response).toEqual({ kind: 'value', value: [30, 0, '#FF8800'] });
      expect(effects.commands).toEqual([{ deviceId: 'b-1', inputName: 'bulb', command: 'setColor', args: [{ hue: 30, hex: '#FF8800' }] }]);
      const wrong = await run(source, mapping('wrong'), snapshot);
      expect(wrong.ok ? '' : wrong.error.message).toContain('must be an object like { hue, saturation }');
    });

    it('sets an attribute from a command argument and shows it under every input holding the device', async () => {
      const source = withHandler(`
        dim(ctx) { ctx.settings.dimmers[0].setLevel(55); return [ctx.settings.dimmers[0].currentValue('level'), ctx.settings.favourite.currentValue('level')] }`);
      const dimmer = dimmerDevice('d-1', 'Desk', 10);
      const snapshot = snapshotWith({ deviceInputs: { dimmers: { multiple: true, devices: [dimmer] }, favourite: { multiple: false, devices: [dimmer] } } });
      const effects = effectsOf(await run(source, mapping('dim'), snapshot));
      expect(effects.response).toEqual({ kind: 'value', value: [55, 55] });
      expect(effects.commands).toEqual([{ deviceId: 'd-1', inputName: 'dimmers', command: 'setLevel', args: [55] }]);
    });

    it('offers only the commands of the input the device was granted for', async () => {
      const source = withHandler(`probe(ctx) { return [typeof ctx.settings.lamp.on, typeof ctx.settings.lamp.setLevel] }`);
      const effects = effectsOf(await run(source, mapping('probe'), snapshotWith({ deviceInputs: { lamp: { multiple: false, devices: [switchDevice('s', 'S')] } } })));
      expect(effects.response).toEqual({ kind: 'value', value: ['function', 'undefined'] });
    });
  });

  describe('command arguments', () => {
    const dimmerSnapshot = (): Snapshot => snapshotWith({ deviceInputs: { lamp: { multiple: false, devices: [dimmerDevice('d-1', 'Desk')] } } });
    const callSetLevel = (args: string) => withHandler(`dim(ctx) { try { ctx.settings.lamp.setLevel(${args}); return 'accepted' } catch (e) { return e.name + ': ' + e.message } }`);

    it.each([
      ['', 'TypeError: setLevel() on device "Desk" takes 1 argument (level), got 0'],
      ['50, 60', 'TypeError: setLevel() on device "Desk" takes 1 argument (level), got 2'],
      ['"50"', 'TypeError: setLevel() on device "Desk": argument 1 (level) must be a number, got "50"'],
      ['50.5', 'TypeError: setLevel() on device "Desk": argument 1 (level) must be an integer, got 50.5'],
      ['-1', 'TypeError: setLevel() on device "Desk": argument 1 (level) must be at least 0, got -1'],
      ['101', 'TypeError: setLevel() on device "Desk": argument 1 (level) must be at most 100, got 101'],
      ['NaN', 'TypeError: setLevel() on device "Desk": argument 1 (level) must be a number, got NaN'],
    ])('rejects setLevel(%s) with a TypeError naming the rule', async (args, message) => {
      const effects = effectsOf(await run(callSetLevel(args), mapping('dim'), dimmerSnapshot()));
      expect(effects.response).toEqual({ kind: 'value', value: message });
      expect(effects.commands).toEqual([]);
    });

    it('accepts an argument on the boundary of its range', async () => {
      const effects = effectsOf(await run(callSetLevel('100'), mapping('dim'), dimmerSnapshot()));
      expect(effects.response).toEqual({ kind: 'value', value: 'accepted' });
      expect(effects.commands).toEqual([{ deviceId: 'd-1', inputName: 'lamp', command: 'setLevel', args: [100] }]);
    });

    it('checks string and enum arguments', async () => {
      const thermostat = {
        id: 't-1',
        label: 'Hall',
        capabilities: ['thermostatMode'],
        state: { thermostatMode: 'off' },
        commands: [
          { name: 'setThermostatMode', args: [{ name: 'mode', type: 'enum' as const, values: ['heat', 'cool', 'off'] }], sets: { attribute: 'thermostatMode', fromArg: 0 } },
          { name: 'setNote', args: [{ name: 'note', type: 'string' as const }], sets: { attribute: 'note', fromArg: 0 } },
        ],
      };
      const source = withHandler(`
        mode(ctx) {
          const t = ctx.settings.t
          const attempt = (f) => { try { f(); return 'ok' } catch (e) { return e.message } }
          return [attempt(() => t.setThermostatMode('dance')), attempt(() => t.setThermostatMode('heat')), attempt(() => t.setNote(5)), attempt(() => t.setNote('hi')),
                  t.currentValue('thermostatMode'), t.currentValue('note')]
        }`);
      const effects = effectsOf(await run(source, mapping('mode'), snapshotWith({ deviceInputs: { t: { multiple: false, devices: [thermostat] } } })));
      expect(effects.response).toEqual({
        kind: 'value',
        value: [
          'setThermostatMode() on device "Hall": argument 1 (mode) must be one of "heat", "cool", "off", got "dance"',
          'ok',
          'setNote() on device "Hall": argument 1 (note) must be a string, got 5',
          'ok',
          'heat',
          'hi',
        ],
      });
      expect(effects.commands.map((c) => [c.command, c.args])).toEqual([
        ['setThermostatMode', ['heat']],
        ['setNote', ['hi']],
      ]);
    });

    it('fails the run when a rejected command is not caught', async () => {
      const error = errorOf(await run(withHandler(`dim(ctx) { ctx.settings.lamp.setLevel('high') }`), mapping('dim'), dimmerSnapshot()));
      expect(error).toMatchObject({ kind: 'exception', message: 'TypeError: setLevel() on device "Desk": argument 1 (level) must be a number, got "high"' });
    });
  });

  describe('subscriptions, schedules and callbacks', () => {
    const devicesSnapshot = (): Snapshot =>
      snapshotWith({ deviceInputs: { switches: { multiple: true, devices: [switchDevice('a', 'A'), switchDevice('b', 'B')] }, lamp: { multiple: false, devices: [switchDevice('a', 'A')] } } });

    it('records subscriptions for a device, an array, an attribute value, and nothing for null', async () => {
      const source = withHandler(`
        sub(ctx) {
          ctx.subscribe(ctx.settings.lamp, 'switch', 'onLamp')
          ctx.subscribe(ctx.settings.switches, 'switch.on', 'onAnyOn')
          ctx.subscribe([ctx.settings.lamp, ctx.settings.switches[0]], 'switch', 'deduplicated')
          ctx.subscribe(null, 'switch', 'ignored')
          ctx.subscribe(undefined, 'switch', 'ignored')
          ctx.unsubscribe()
        }`);
      const effects = effectsOf(await run(source, mapping('sub'), devicesSnapshot()));
      expect(effects.subscriptions).toEqual([
        { op: 'subscribe', deviceIds: ['a'], attribute: 'switch', value: null, handler: 'onLamp' },
        { op: 'subscribe', deviceIds: ['a', 'b'], attribute: 'switch', value: 'on', handler: 'onAnyOn' },
        { op: 'subscribe', deviceIds: ['a'], attribute: 'switch', value: null, handler: 'deduplicated' },
        { op: 'unsubscribe' },
      ]);
    });

    it('records runIn, schedule, unschedule and httpPostJson with copies of their data', async () => {
      const source = withHandler(`
        plan(ctx) {
          const data = { n: 1 }
          ctx.runIn(60, 'later', { data })
          data.n = 2
          ctx.runIn(0, 'now', { overwrite: false })
          ctx.runIn(5, 'plain')
          ctx.schedule('0 0 * * *', 'nightly')
          ctx.unschedule('nightly')
          ctx.unschedule()
          ctx.httpPostJson('https://example.com/hook', { ok: true })
          ctx.httpPostJson('https://example.com/empty')
        }`);
      const effects = effectsOf(await run(source, mapping('plan'), devicesSnapshot()));
      expect(effects.schedules).toEqual([
        { op: 'runIn', seconds: 60, handler: 'later', data: { n: 1 }, overwrite: true },
        { op: 'runIn', seconds: 0, handler: 'now', data: null, overwrite: false },
        { op: 'runIn', seconds: 5, handler: 'plain', data: null, overwrite: true },
        { op: 'schedule', cron: '0 0 * * *', handler: 'nightly' },
        { op: 'unschedule', handler: 'nightly' },
        { op: 'unschedule', handler: null },
      ]);
      expect(effects.callbacks).toEqual([
        { url: 'https://example.com/hook', body: { ok: true } },
        { url: 'https://example.com/empty', body: null },
      ]);
    });

    it.each([
      [`ctx.subscribe({ id: 'a' }, 'switch', 'h')`, 'ctx.subscribe: devices must be a device from ctx.settings, an array of them, or null; item 1 is an object'],
      [`ctx.subscribe(ctx.settings.lamp, 5, 'h')`, 'ctx.subscribe: the attribute must be a non-empty string, got 5'],
      [`ctx.subscribe(ctx.settings.lamp, 'switch', () => 1)`, 'ctx.subscribe: the handler name must be a non-empty string, got a function'],
      [`ctx.runIn(-1, 'h')`, 'ctx.runIn: seconds must be a non-negative number, got -1'],
      [`ctx.runIn('5', 'h')`, 'ctx.runIn: seconds must be a non-negative number, got "5"'],
      [`ctx.runIn(5, null)`, 'ctx.runIn: the handler name must be a non-empty string, got null'],
      [`ctx.runIn(5, 'h', { overwrite: 'yes' })`, 'ctx.runIn: options.overwrite must be a boolean, got "yes"'],
      [`ctx.runIn(5, 'h', { data: { f: 1n } })`, 'ctx.runIn: options.data must be JSON-serialisable (TypeError: Do not know how to serialize a BigInt)'],
      [`ctx.schedule(5, 'h')`, 'ctx.schedule: the cron expression must be a non-empty string, got 5'],
      [`ctx.unschedule(42)`, 'ctx.unschedule: the handler name must be a non-empty string, got 42'],
      [`ctx.httpPostJson(undefined, {})`, 'ctx.httpPostJson: the url must be a non-empty string, got a undefined'],
    ])('rejects %s with a TypeError', async (call, message) => {
      const source = withHandler(`bad(ctx) { try { ${call}; return 'accepted' } catch (e) { return [e.name, e.message] } }`);
      const effects = effectsOf(await run(source, mapping('bad'), devicesSnapshot()));
      expect(effects.response).toEqual({ kind: 'value', value: ['TypeError', message] });
      expect([...effects.subscriptions, ...effects.schedules, ...effects.callbacks]).toEqual([]);
    });
  });

  describe('logs', () => {
    it('joins arguments with spaces and writes objects as JSON', async () => {
      const source = withHandler(`
        talk(ctx) {
          ctx.log.debug('a', 1, true, null, undefined)
          ctx.log.info({ x: [1, 2] }, 'and', [3])
          ctx.log.warn(new TypeError('bad thing'))
          ctx.log.error('fn:', () => 1)
        }`);
      const effects = effectsOf(await run(source, mapping('talk')));
      expect(effects.logs).toEqual([
        { level: 'debug', message: 'a 1 true null undefined' },
        { level: 'info', message: '{"x":[1,2]} and [3]' },
        { level: 'warn', message: 'TypeError: bad thing' },
        { level: 'error', message: 'fn: [Function]' },
      ]);
    });

    it('truncates a long line to maxLogLineBytes', async () => {
      const effects = effectsOf(await run(withHandler(`talk(ctx) { ctx.log.info('é'.repeat(100)) }`), mapping('talk'), snapshotWith(), { maxLogLineBytes: 21 }));
      expect(effects.logs).toEqual([{ level: 'info', message: `${'é'.repeat(9)}…` }]);
      expect(Buffer.byteLength(effects.logs[0].message)).toBeLessThanOrEqual(21);
    });

    it('keeps at most maxLogLines lines and then says how many were dropped', async () => {
      const effects = effectsOf(await run(withHandler(`talk(ctx) { for (let i = 0; i < 10; i++) ctx.log.info('line ' + i) }`), mapping('talk'), snapshotWith(), { maxLogLines: 3 }));
      expect(effects.logs).toEqual([
        { level: 'info', message: 'line 0' },
        { level: 'info', message: 'line 1' },
        { level: 'info', message: 'line 2' },
        { level: 'warn', message: '7 further log lines were dropped (limit: 3 lines per run)' },
      ]);
    });

    it('returns the logs written before a failure', async () => {
      const result = await run(withHandler(`fail(ctx) { ctx.log.info('before'); throw new Error('boom') }`), mapping('fail'));
      expect(result).toMatchObject({ ok: false, error: { kind: 'exception', message: 'Error: boom' }, logs: [{ level: 'info', message: 'before' }] });
    });
  });

  describe('httpError', () => {
    it('keeps the response even when the handler swallows the httpError', async () => {
      const source = withHandler(`
        sneaky(ctx) {
          try { ctx.httpError(404, 'not here') } catch (e) { ctx.log.info('caught', e.message) }
          ctx.state.after = true
          return 'normal value'
        }`);
      const effects = effectsOf(await run(source, mapping('sneaky')));
      expect(effects.response).toEqual({ kind: 'httpError', status: 404, message: 'not here' });
      expect(effects.state).toEqual({ after: true });
      expect(effects.logs).toEqual([{ level: 'info', message: 'caught ctx.httpError(404) ended the request' }]);
    });

    it('keeps the first httpError when the handler calls it twice', async () => {
      const source = withHandler(`twice(ctx) { try { ctx.httpError(409, 'first') } catch (e) {} ctx.httpError(500, 'second') }`);
      expect(effectsOf(await run(source, mapping('twice'))).response).toEqual({ kind: 'httpError', status: 409, message: 'first' });
    });

    it('works from an async handler', async () => {
      const source = withHandler(`async later(ctx) { await null; ctx.httpError(422, 'later') }`);
      expect(effectsOf(await run(source, mapping('later'))).response).toEqual({ kind: 'httpError', status: 422, message: 'later' });
    });

    it.each([['200'], ['600'], ['404.5'], ['"404"']])('treats httpError(%s) as an exception', async (status) => {
      const error = errorOf(await run(withHandler(`bad(ctx) { ctx.httpError(${status}, 'x') }`), mapping('bad')));
      expect(error.kind).toBe('exception');
      expect(error.message).toMatch(/^ctx\.httpError needs an integer status from 400 to 599, got /);
    });
  });

  describe('return values', () => {
    it('reports undefined as no response and JSON as a value', async () => {
      const source = withHandler(`nothing(ctx) {}, something(ctx) { return { a: [1, 'two', null, false] } }, zero(ctx) { return 0 }`);
      expect(effectsOf(await run(source, mapping('nothing'))).response).toEqual({ kind: 'none' });
      expect(effectsOf(await run(source, mapping('something'))).response).toEqual({ kind: 'value', value: { a: [1, 'two', null, false] } });
      expect(effectsOf(await run(source, mapping('zero'))).response).toEqual({ kind: 'value', value: 0 });
    });

    it('waits for a returned promise, including chains of awaits', async () => {
      const source = withHandler(`
        async slow(ctx) {
          let total = 0
          for (let i = 0; i < 5; i++) total += await Promise.resolve(i)
          ctx.state.total = total
          return { total }
        }`);
      const effects = effectsOf(await run(source, mapping('slow')));
      expect(effects.response).toEqual({ kind: 'value', value: { total: 10 } });
      expect(effects.state).toEqual({ total: 10 });
    });

    it('fails a rejected promise as an exception', async () => {
      const error = errorOf(await run(withHandler(`async bad(ctx) { await null; throw new RangeError('late') }`), mapping('bad')));
      expect(error).toMatchObject({ kind: 'exception', message: 'RangeError: late' });
    });

    it('fails a promise that can never settle', async () => {
      const error = errorOf(await run(withHandler(`stuck(ctx) { return new Promise(() => {}) }`), mapping('stuck')));
      expect(error.kind).toBe('exception');
      expect(error.message).toContain('never settles');
    });

    it.each([
      ['a function', 'return () => 1', 'The handler returned a function, which has no JSON form'],
      ['a symbol', "return Symbol('s')", 'The handler returned a symbol, which has no JSON form'],
      ['a BigInt', 'return 10n', "The handler's return value is not JSON-serialisable (TypeError: Do not know how to serialize a BigInt)"],
      ['a cyclic object', 'const a = {}; a.self = a; return a', "The handler's return value is not JSON-serialisable (TypeError: circular reference)"],
      ['a toJSON that throws', "return { toJSON() { throw new Error('nope') } }", "The handler's return value is not JSON-serialisable (Error: nope)"],
      ['a getter that throws', "return { get x() { throw new Error('nope') } }", "The handler's return value is not JSON-serialisable (Error: nope)"],
    ])('rejects %s as invalid_result', async (_what, body, message) => {
      const error = errorOf(await run(withHandler(`bad(ctx) { ${body} }`), mapping('bad')));
      expect(error).toEqual({ kind: 'invalid_result', message });
    });

    it('rejects a return value larger than maxResultBytes', async () => {
      const source = withHandler(`big(ctx) { return 'x'.repeat(100) }, fits(ctx) { return 'x'.repeat(10) }`);
      expect(errorOf(await run(source, mapping('big'), snapshotWith(), { maxResultBytes: 50 }))).toEqual({
        kind: 'invalid_result',
        message: "The handler's return value is more than 50 bytes as JSON",
      });
      expect(effectsOf(await run(source, mapping('fits'), snapshotWith(), { maxResultBytes: 50 })).response).toEqual({ kind: 'value', value: 'x'.repeat(10) });
    });

    it('rejects a state that is not JSON-serialisable', async () => {
      const error = errorOf(await run(withHandler(`bad(ctx) { ctx.state.n = 1n }`), mapping('bad')));
      expect(error).toEqual({ kind: 'invalid_result', message: 'ctx.state is not JSON-serialisable (TypeError: Do not know how to serialize a BigInt)' });
    });
  });

  describe('handler lookup and thrown values', () => {
    it('fails a mapping handler that does not exist', async () => {
      const error = errorOf(await run(withHandler(`present(ctx) {}`), mapping('absent')));
      expect(error).toMatchObject({ kind: 'exception', message: 'Error: The SmartApp has no handler named "absent" in handlers' });
    });

    it('does not resolve handler names through Object.prototype', async () => {
      const error = errorOf(await run(withHandler(`present(ctx) {}`), mapping('toString')));
      expect(error.message).toBe('Error: The SmartApp has no handler named "toString" in handlers');
    });

    it('fails an event handler that does not exist', async () => {
      const error = errorOf(await run('export default { handlers: {} }', { kind: 'event', name: 'onMissing' }));
      expect(error.message).toBe('Error: The SmartApp has no handler named "onMissing" in handlers');
    });

    it('fails a handler entry that is not a function', async () => {
      const error = errorOf(await run(withHandler(`notFn: 42`), mapping('notFn')));
      expect(error).toMatchObject({ kind: 'exception', message: 'TypeError: handlers.notFn is 42, not a function' });
    });

    it('treats a missing lifecycle function as a no-op', async () => {
      const effects = effectsOf(await run('export default { handlers: {} }', { kind: 'lifecycle', name: 'uninstalled' }));
      expect(effects.response).toEqual({ kind: 'none' });
    });

    it('fails a lifecycle entry that is not a function', async () => {
      const error = errorOf(await run('export default { installed: "yes" }', { kind: 'lifecycle', name: 'installed' }));
      expect(error.message).toBe('TypeError: The SmartApp\'s installed is "yes", not a function');
    });

    it('reports a thrown Error with its stack in the SmartApp source', async () => {
      const error = errorOf(await run('export default {\n  handlers: {\n    boom(ctx) {\n      throw new Error("bang")\n    } } }', mapping('boom')));
      expect(error.kind).toBe('exception');
      expect(error.message).toBe('Error: bang');
      expect(error.stack).toContain('smartapp.js:4');
    });

    it.each([
      ['throw 42', 'The SmartApp threw a non-Error value: 42'],
      ["throw 'oops'", 'The SmartApp threw a non-Error value: "oops"'],
      ['throw { a: 1 }', 'The SmartApp threw a non-Error value: {"a":1}'],
      ['throw null', 'The SmartApp threw a non-Error value: null'],
      ['throw undefined', 'The SmartApp threw a non-Error value: undefined'],
      ["throw Symbol('s')", 'The SmartApp threw a non-Error value: Symbol(s)'],
      ["throw { get message() { throw new Error('trap') } }", 'The SmartApp threw a non-Error value: [unserialisable object]'],
      ["throw { message: 'fake', get name() { throw new Error('trap') } }", 'Error: fake'],
    ])('turns `%s` into an exception with a readable message', async (statement, message) => {
      const error = errorOf(await run(withHandler(`bad(ctx) { ${statement} }`), mapping('bad')));
      expect(error.kind).toBe('exception');
      expect(error.message).toBe(message);
    });
  });

  describe('limits and wiring', () => {
    it('exports the default limits', () => {
      expect(DEFAULT_SANDBOX_LIMITS).toEqual({ cpuMs: 1000, memoryBytes: 64 * 1024 * 1024, maxResultBytes: 1024 * 1024, maxLogLines: 100, maxLogLineBytes: 4096 });
    });

    it('takes default limits from the SANDBOX_LIMITS provider and lets a request override them', async () => {
      const moduleRef = await Test.createTestingModule({ imports: [SandboxModule] })
        .overrideProvider(SandboxService)
        .useFactory({ factory: () => new SandboxService({ maxLogLines: 1 }) })
        .compile();
      const configured = moduleRef.get(SandboxService);
      expect(configured.defaultLimits).toEqual({ ...DEFAULT_SANDBOX_LIMITS, maxLogLines: 1 });
      const source = withHandler(`talk(ctx) { ctx.log.info('1'); ctx.log.info('2') }`);
      const defaults = effectsOf(await configured.run({ versionKey: 'v', source, handler: mapping('talk'), snapshot: snapshotWith() }));
      expect(defaults.logs.map((l) => l.message)).toEqual(['1', '1 further log line was dropped (limit: 1 lines per run)']);
      const overridden = effectsOf(await configured.run({ versionKey: 'v', source, handler: mapping('talk'), snapshot: snapshotWith(), limits: { maxLogLines: 5 } }));
      expect(overridden.logs.map((l) => l.message)).toEqual(['1', '2']);
      await moduleRef.close();
    });

    it('resolves SandboxService from SandboxModule with the SANDBOX_LIMITS token', async () => {
      const moduleRef = await Test.createTestingModule({ imports: [SandboxModule] }).compile();
      expect(moduleRef.get(SandboxService).defaultLimits).toEqual(DEFAULT_SANDBOX_LIMITS);
      const withToken = await Test.createTestingModule({
        providers: [SandboxService, { provide: SANDBOX_LIMITS, useValue: { cpuMs: 250 } }],
      }).compile();
      expect(withToken.get(SandboxService).defaultLimits.cpuMs).toBe(250);
    });
  });
});
