import request from 'supertest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Device } from '../../src/locations/device.entity';
import { optionValue } from '../helpers/browser';
import { DEMO_USER } from '../helpers/oauth-flow';
import { startTestApp, TestApp } from '../helpers/test-app';
import { DEMO_DEVELOPER_TOKEN, installWith, logsOf, publishWithOAuth } from '../factories/developer';

const example = (file: string) => readFileSync(join(__dirname, '..', '..', 'examples', file), 'utf8');

describe('the authoring examples do what docs/authoring.md says', () => {
  let t: TestApp;
  const device = (label: string) => t.db.getRepository(Device).findOneByOrFail({ label });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('Thermostat API: reads thermostats, validates input with httpError, and changes setpoints and mode', async () => {
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, example('thermostat-api.js'));
    const installed = await installWith(t.http, app, DEMO_USER, 'Home', (page) => ({
      thermostats: optionValue(page, 'Living Room Thermostat'),
      sensors: optionValue(page, 'Living Room Thermostat'),
      minimum: '15',
      maximum: '25',
    }));
    const auth = { Authorization: `Bearer ${installed.accessToken}` };
    const thermostat = await device('Living Room Thermostat');
    const list = await request(t.http).get(`${installed.base}/thermostats`).set(auth).expect(200);
    expect(list.body).toEqual([{ id: thermostat.id, name: 'Living Room Thermostat', mode: 'off', heatingSetpoint: 20, coolingSetpoint: 25, temperature: 20, boosted: false }]);
    const path = `${installed.base}/thermostats/${thermostat.id}`;
    expect((await request(t.http).put(`${path}/setpoints`).set(auth).send({ heating: 30 }).expect(422)).body).toEqual({ error: true, type: 'SmartAppException', message: 'heating must be between 15 and 25 degrees' });
    expect((await request(t.http).put(`${path}/setpoints`).set(auth).send({ heating: 'warm' }).expect(400)).body.message).toBe('heating must be a number');
    expect((await request(t.http).put(`${path}/setpoints`).set(auth).send({ heating: 24, cooling: 23 }).expect(422)).body.message).toBe('heating (24) must stay below cooling (23)');
    await request(t.http).get(`${installed.base}/thermostats/nope`).set(auth).expect(404);
    const changed = await request(t.http).put(`${path}/setpoints`).set(auth).send({ heating: 21.5 }).expect(200);
    expect(changed.body.heatingSetpoint).toBe(21.5);
    expect((await request(t.http).put(`${path}/mode`).set(auth).send({ mode: 'off' }).expect(403)).body.message).toBe('The owner does not let this service turn thermostats off');
    await request(t.http).put(`${path}/mode`).set(auth).send({ mode: 'heat' }).expect(200);
    const boosted = await request(t.http).post(`${path}/boost`).set(auth).send({ degrees: 2 }).expect(201);
    expect(boosted.body).toMatchObject({ heatingSetpoint: 23.5, mode: 'heat', boosted: true });
    await request(t.http).post(`${path}/boost`).set(auth).send({ degrees: 2 }).expect(409);
    const ended = await request(t.http).delete(`${path}/boost`).set(auth).expect(200);
    expect(ended.body).toMatchObject({ heatingSetpoint: 21.5, boosted: false });
    expect((await device('Living Room Thermostat')).state).toMatchObject({ heatingSetpoint: 21.5, thermostatMode: 'heat' });
    const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id);
    expect(lines[0].message).toBe('installed for 1 thermostat(s), setpoints 15-25');
  });

  it('Good Night: one call commands switches, dimmers, locks and thermostats, and morning restores the heating', async () => {
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, example('good-night.js'));
    await t.write((m) => m.getRepository(Device).update({ label: 'Kitchen Light' }, { state: { switch: 'on', level: 80 } }));
    await t.write((m) => m.getRepository(Device).update({ label: 'Front Door' }, { state: { lock: 'unlocked', contact: 'closed' } }));
    const installed = await installWith(t.http, app, DEMO_USER, 'Home', (page) => ({
      lights: [optionValue(page, 'Kitchen Light'), optionValue(page, 'Porch Light')],
      nightLights: optionValue(page, 'Kitchen Light'),
      doors: optionValue(page, 'Front Door'),
      thermostats: optionValue(page, 'Living Room Thermostat'),
      nightLevel: '10',
      nightTemperature: '17',
    }));
    const auth = { Authorization: `Bearer ${installed.accessToken}` };
    const heatingBefore = (await device('Living Room Thermostat')).state.heatingSetpoint;
    const night = await request(t.http).post(`${installed.base}/scenes/night`).set(auth).expect(201);
    // devices of one input come in grant order (by device id), so compare as a set
    expect(night.body.scene).toBe('night');
    expect([...night.body.done].sort()).toEqual(['Front Door locked', 'Kitchen Light at 10%', 'Kitchen Light off', 'Living Room Thermostat heating 17°', 'Porch Light off']);
    expect((await device('Kitchen Light')).state).toMatchObject({ switch: 'off', level: 10 });
    expect((await device('Front Door')).state.lock).toBe('locked');
    expect((await device('Living Room Thermostat')).state.heatingSetpoint).toBe(17);
    const morning = await request(t.http).post(`${installed.base}/scenes/morning`).set(auth).expect(201);
    expect(morning.body.done).toContain(`Living Room Thermostat heating ${JSON.stringify(heatingBefore)}°`);
    expect((await device('Living Room Thermostat')).state).toMatchObject({ heatingSetpoint: heatingBefore, thermostatMode: 'heat' });
    expect((await device('Kitchen Light')).state).toMatchObject({ switch: 'on', level: 100 });
    expect((await request(t.http).post(`${installed.base}/scenes/party`).set(auth).expect(404)).body.message).toBe('No scene party; try night, away, morning');
    const house = await request(t.http).get(`${installed.base}/house`).set(auth).expect(200);
    expect(house.body.lastScene).toEqual({ name: 'morning', at: expect.any(String) });
  });

  it('Thermostat API refuses to install with limits the wrong way round, and says why in the author’s logs', async () => {
    const source = example('thermostat-api.js').replace("name: 'Thermostat API'", "name: 'Thermostat API (limits)'");
    const app = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, source);
    await expect(
      installWith(t.http, app, DEMO_USER, 'Home', (page) => ({ thermostats: optionValue(page, 'Living Room Thermostat'), minimum: '25', maximum: '15' })),
    ).rejects.toThrow(/expected 303 "See Other", got 500/);
    const lines = await logsOf(t.http, DEMO_DEVELOPER_TOKEN, app.id);
    expect(lines.pop()?.message).toContain('Error: the lowest setpoint (25) must be below the highest (15)');
  });
});
