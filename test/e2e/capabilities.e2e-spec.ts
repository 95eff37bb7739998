import request from 'supertest';
import { EventOutbox } from '../../src/events/event-outbox.service';
import { AttributeSpec, AttributeValue, CAPABILITIES, Capability, CommandArgument, commandChanges } from '../../src/locations/capabilities';
import { DeviceEvent } from '../../src/locations/device-event.entity';
import { Device } from '../../src/locations/device.entity';
import { Location } from '../../src/locations/location.entity';
import { Agent, agentFor, codeFrom, csrfOf, decide, logIn, openPreferences } from '../helpers/browser';
import { addDevice, publishApp, stateOf } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const DEMO = { email: 'demo@example.com', password: 'demo-password' };

// A probe SmartApp with one input per capability: generic mappings run any command with any
// arguments and show a device as a handler sees it; every attribute is subscribed to.
const ATTRIBUTES = Object.fromEntries(CAPABILITIES.map((c) => [c.name, c.attributes.map((a) => a.name)]));
const PROBE = `
const ATTRIBUTES = ${JSON.stringify(ATTRIBUTES)};
function find(ctx) {
  const devices = Object.prototype.hasOwnProperty.call(ATTRIBUTES, ctx.params.input) ? ctx.settings[ctx.params.input] : null;
  const device = (devices || []).find((d) => d.id === ctx.params.id);
  if (!device) { ctx.httpError(404, 'no such device'); }
  return device;
}
function view(device) {
  const values = {};
  for (const a of device.supportedAttributes) { values[a.name] = device.currentValue(a.name); }
  return { name: device.name, capabilities: device.capabilities, values };
}
export default {
  definition: { name: 'Capability probe', namespace: 'test', author: 'Tests', description: 'Drives every capability', category: 'Convenience' },
  preferences: [{ section: 'Devices', inputs: ${JSON.stringify(CAPABILITIES.map((c) => ({ name: c.name, type: `capability.${c.name}`, title: `Which ${c.title}?`, multiple: true, required: false })))} }],
  mappings: { '/:input/:id': { GET: 'show' }, '/:input/:id/events': { GET: 'recent' }, '/:input/:id/:command': { PUT: 'command' } },
  installed(ctx) {
    for (const input of Object.keys(ATTRIBUTES)) {
      for (const attribute of ATTRIBUTES[input]) { ctx.subscribe(ctx.settings[input], attribute, 'onEvent'); }
    }
  },
  handlers: {
    show(ctx) { return view(find(ctx)); },
    recent(ctx) {
      return find(ctx).events(Number(ctx.params.max)).map((e) => ({ name: e.name, value: e.value, date: e.date.toISOString(), deviceId: e.deviceId }));
    },
    command(ctx) {
      const device = find(ctx);
      if (!device.hasCommand(ctx.params.command)) { ctx.httpError(400, 'no such command'); }
      device[ctx.params.command](...((ctx.body && ctx.body.args) || []));
      return view(device);
    },
    onEvent(ctx, evt) {
      ctx.state.events = (ctx.state.events || []).concat([{ deviceId: evt.deviceId, name: evt.name, value: evt.value, device: evt.device ? evt.device.displayName : null, isDate: evt.date instanceof Date }]);
    },
  },
};`;

/** An argument within the spec: the last enum value, a number inside the range, a colour map. */
function argumentFor(arg: CommandArgument): unknown {
  switch (arg.type) {
    case 'enum':
      return (arg.values ?? [])[(arg.values ?? []).length - 1];
    case 'color':
      return { hue: 40, saturation: 60, hex: '#112233' };
    case 'number':
    case 'integer':
      return arg.min !== undefined ? arg.min + 1 : 1;
  }
}

/** A value for the simulator's form that differs from the device's first state, and what it becomes. */
function simulated(spec: AttributeSpec, current: AttributeValue | undefined): { form: string; value: AttributeValue } {
  switch (spec.type) {
    case 'enum': {
      const value = spec.values.find((v) => v !== current) ?? spec.values[0];
      return { form: value, value };
    }
    case 'string':
      return { form: '#ABCDEF', value: '#ABCDEF' };
    case 'vector3':
      return { form: '10,-20,980', value: { x: 10, y: -20, z: 980 } };
    case 'number': {
      const value = (spec.min ?? 0) + 2;
      return { form: String(value), value };
    }
  }
}

describe('every capability of the catalogue: commands through the install URL, attributes through the simulator, events delivered', () => {
  let t: TestApp;
  let agent: Agent;
  let base: string;
  let installationId: string;
  let accessToken: string;
  const ids: Record<string, string> = {};
  const label = (c: Capability) => `Probe ${c.title}`;
  const stateInDb = async (c: Capability) => (await t.db.getRepository(Device).findOneByOrFail({ id: ids[c.name] })).state;

  beforeAll(async () => {
    t = await startTestApp();
    const probe = await publishApp(t, PROBE);
    for (const c of CAPABILITIES) {
      ids[c.name] = await addDevice(t, label(c), [c.name]);
    }
    agent = agentFor(t.http);
    await logIn(agent, DEMO.email, DEMO.password);
    const page = await openPreferences(agent, 'Home', { clientId: probe.clientId, redirectUri: probe.redirectUri });
    for (const c of CAPABILITIES) {
      // the consent page explains each capability in plain words
      expect(page).toContain(c.allows);
    }
    const decided = await decide(agent, page, 'allow', Object.fromEntries(CAPABILITIES.map((c) => [c.name, [ids[c.name]]]))).expect(303);
    const token = await request(t.http)
      .post('/oauth/token')
      .auth(probe.clientId, probe.clientSecret)
      .type('form')
      .send({ grant_type: 'authorization_code', code: codeFrom(decided.headers.location), redirect_uri: probe.redirectUri })
      .expect(200);
    accessToken = token.body.access_token;
    installationId = token.body.installation_id;
    base = `/api/smartapps/installations/${installationId}`;
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(CAPABILITIES.map((c) => [c.name, c] as const))('%s: a handler sees it the classic way', async (_name, c) => {
    const shown = await request(t.http).get(`${base}/${c.name}/${ids[c.name]}`).set('Authorization', `Bearer ${accessToken}`).expect(200);
    expect(shown.body).toEqual({
      name: `Simulated ${c.title}`,
      capabilities: [{ name: c.title, attributes: c.attributes.map((a) => ({ name: a.name })), commands: c.commands.map((cmd) => ({ name: cmd.name })) }],
      values: c.initialState,
    });
  });

  it.each(CAPABILITIES.filter((c) => c.commands.length > 0).map((c) => [c.name, c] as const))('%s: every command runs through the install URL', async (_name, c) => {
    for (const command of c.commands) {
      const args = command.args.map(argumentFor);
      const before = await stateInDb(c);
      const ran = await request(t.http)
        .put(`${base}/${c.name}/${ids[c.name]}/${command.name}`)
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ args })
        .expect(200);
      const expected = { ...before };
      for (const change of commandChanges(command, args)) {
        expected[change.attribute] = change.value;
      }
      // what the handler read back after its command, and what the platform stored
      expect(ran.body.values).toEqual(expected);
      expect(await stateInDb(c)).toEqual(expected);
    }
  });

  it.each(CAPABILITIES.filter((c) => c.attributes.length > 0).map((c) => [c.name, c] as const))('%s: every attribute is set by the simulator page and delivered to the subscribed handler', async (_name, c) => {
    const csrf = csrfOf((await agent.get(`/devices/${ids[c.name]}`).expect(200)).text);
    const expected: { deviceId: string; name: string; value: AttributeValue; device: string; isDate: boolean }[] = [];
    for (const spec of c.attributes) {
      const { form, value } = simulated(spec, (await stateInDb(c))[spec.name]);
      const fields = new URLSearchParams({ _csrf: csrf, attribute: spec.name, value: form });
      await agent.post(`/devices/${ids[c.name]}/simulate`).type('form').send(fields.toString()).expect(303);
      expect((await stateInDb(c))[spec.name]).toEqual(value);
      expected.push({ deviceId: ids[c.name], name: spec.name, value, device: label(c), isDate: true });
    }
    await t.app.get(EventOutbox).drain();
    const events = ((await stateOf(t, installationId)).events ?? []) as { deviceId: string }[];
    expect(events.filter((e) => e.deviceId === ids[c.name])).toEqual(expected);
  });

  it('gives a handler the device’s recent events, newest first (device.events(max))', async () => {
    const rows = await t.db.getRepository(DeviceEvent).find({ where: { deviceId: ids.thermostat }, order: { createdAt: 'DESC', id: 'DESC' }, take: 3 });
    expect(rows.length).toBe(3);
    const recent = await request(t.http).get(`${base}/thermostat/${ids.thermostat}/events?max=3`).set('Authorization', `Bearer ${accessToken}`).expect(200);
    expect(recent.body).toEqual(rows.map((r) => ({ name: r.attribute, value: r.value, date: new Date(r.createdAt).toISOString(), deviceId: ids.thermostat })));
  });

  it('creates a device with every capability through the form; its page has a control per command and the simulator for what they cannot reach', async () => {
    const home = (await t.db.getRepository(Location).findOneByOrFail({ name: 'Home' })).id;
    const csrf = csrfOf((await agent.get(`/locations/${home}/devices/new`).expect(200)).text);
    const form = new URLSearchParams({ _csrf: csrf, label: 'Everything Device' });
    for (const c of CAPABILITIES) {
      form.append('capabilities', c.name);
    }
    const created = await agent.post(`/locations/${home}/devices`).type('form').send(form.toString()).expect(303);
    const device = await t.db.getRepository(Device).findOneByOrFail({ label: 'Everything Device' });
    expect(created.headers.location).toBe(`/devices/${device.id}`);
    expect(device.capabilities).toEqual(CAPABILITIES.map((c) => c.name));
    const page = (await agent.get(`/devices/${device.id}`).expect(200)).text;
    for (const c of CAPABILITIES.filter((x) => x.commands.length > 0)) {
      expect(page).toContain(`<h2 id="panel-${c.name}">${c.title}</h2>`);
      for (const command of c.commands) {
        expect(page).toContain(`value="${command.name}"`);
      }
    }
    for (const attribute of ['contact', 'motion', 'temperature', 'thermostatOperatingState', 'door', 'threeAxis', 'windowShade', 'presence', 'water', 'button', 'numberOfButtons']) {
      expect(page).toContain(`name="attribute" value="${attribute}"`);
    }
    // reached by its buttons or slider, not the simulator
    for (const attribute of ['switch', 'level', 'alarm', 'hue', 'color']) {
      expect(page).not.toContain(`name="attribute" value="${attribute}"`);
    }
  });

  it('fails the handler on an argument out of range (SmartAppError) and answers a bad simulated value with a 400 that says why', async () => {
    const bad = await request(t.http).put(`${base}/colorControl/${ids.colorControl}/setHue`).set('Authorization', `Bearer ${accessToken}`).send({ args: [101] });
    expect(bad.status).toBe(500);
    expect(bad.body.type).toBe('SmartAppError');
    const csrf = csrfOf((await agent.get(`/devices/${ids.threeAxis}`).expect(200)).text);
    const page = await agent
      .post(`/devices/${ids.threeAxis}/simulate`)
      .type('form')
      .send(new URLSearchParams({ _csrf: csrf, attribute: 'threeAxis', value: 'sideways' }).toString())
      .expect(400);
    expect(page.text).toContain('Please give x,y,z numbers for Three axis');
  });
});
