// Issue 10 point 1: an install-URL call resolves token → installation → version → location →
// grants once, from memory when warm, and every change that matters is seen by the next call.
// Checked by counting the SQL statements a call sends (TypeORM's logger sees every one): never timed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { InstallationLifecycle } from '../../src/installations/installation-lifecycle.service';
import { Installation } from '../../src/installations/installation.entity';
import { DevicesService } from '../../src/locations/devices.service';
import { LocationsService } from '../../src/locations/locations.service';
import { SmartAppsService } from '../../src/smartapps/smartapps.service';
import { DevicePagesService } from '../../src/web/device-pages.service';
import { LocationPagesService } from '../../src/web/location-pages.service';
import { DEMO_CLIENT } from '../helpers/browser';
import { connectSwitch, Connected, deviceNamed, listSwitches, Switch } from '../helpers/resolution';
import { startTestApp, TestApp } from '../helpers/test-app';

const RESOLVED_TABLES = /"(access_tokens|smart_apps|smart_app_versions|locations|device_grants|oauth_clients)"/;

describe('install URL: resolved once, kept warm, invalidated on every change that matters', () => {
  let t: TestApp;
  let statements: string[] | null = null;

  beforeAll(async () => {
    t = await startTestApp();
    const logger = t.db.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      statements?.push(query);
      return original(query, parameters, runner);
    };
  }, 60000);
  afterAll(async () => {
    await t.close();
  });

  async function counted(work: () => Promise<unknown>): Promise<string[]> {
    statements = [];
    try {
      await work();
      return statements;
    } finally {
      statements = null;
    }
  }

  /** Statements sent outside any transaction: the reads of the call (writes are in transactions of their own). */
  function readsOutsideTransactions(sent: string[]): string[] {
    let depth = 0;
    const reads: string[] = [];
    for (const q of sent) {
      if (/^(BEGIN|START TRANSACTION)/i.test(q)) {
        depth++;
      } else if (/^(COMMIT|ROLLBACK)/i.test(q)) {
        depth = Math.max(0, depth - 1);
      } else if (depth === 0) {
        reads.push(q);
      }
    }
    return reads;
  }

  const switches = async (c: Connected): Promise<Switch[]> => (await listSwitches(t.http, c).expect(200)).body as Switch[];
  const demoAccountId = async (c: Connected) => (await t.write((m) => m.getRepository(Installation).findOneByOrFail({ id: c.installationId }))).accountId;

  it('a warm GET reads two rows (the installation, its devices); the token, version, location and grants come from memory', async () => {
    const c = await connectSwitch(t.http);
    const cold = readsOutsideTransactions(await counted(() => listSwitches(t.http, c).expect(200)));
    const warm = readsOutsideTransactions(await counted(() => listSwitches(t.http, c).expect(200)));
    expect(warm.filter((q) => RESOLVED_TABLES.test(q))).toEqual([]);
    expect(warm.length).toBeLessThanOrEqual(2);
    expect(warm.length).toBeLessThan(cold.length);
    // and the warm answer is the real one
    expect(await switches(c)).toEqual([expect.objectContaining({ name: 'Kitchen Light', value: 'off' })]);
  });

  it('the SmartApp version is kept once for all its installations: a new installation does not read it again', async () => {
    const first = await connectSwitch(t.http);
    await switches(first);
    const second = await connectSwitch(t.http, 'Porch Light');
    const cold = readsOutsideTransactions(await counted(() => listSwitches(t.http, second).expect(200)));
    expect(cold.filter((q) => /"(smart_apps|smart_app_versions)"/.test(q))).toEqual([]);
    expect(cold.some((q) => q.includes('"device_grants"'))).toBe(true);
  });

  it('a device state change is seen by the next call (device state is never cached)', async () => {
    const c = await connectSwitch(t.http);
    await switches(c);
    const light = await t.write((m) => deviceNamed(m, 'Kitchen Light'));
    const next = light.state.switch === 'on' ? 'off' : 'on';
    await t.write((m) => t.app.get(DevicesService).setAttribute(m, { deviceId: light.id, attribute: 'switch', value: next, source: 'test' }));
    expect((await switches(c)).map((s) => s.value)).toEqual([next]);
  });

  it('a reconfigure is seen by the next call (settings and grants)', async () => {
    const c = await connectSwitch(t.http);
    expect((await switches(c)).map((s) => s.name)).toEqual(['Kitchen Light']);
    const [kitchen, porch] = await t.write(async (m) => [await deviceNamed(m, 'Kitchen Light'), await deviceNamed(m, 'Porch Light')]);
    const row = await t.write((m) => m.getRepository(Installation).findOneByOrFail({ id: c.installationId }));
    await t.app.get(InstallationLifecycle).reconfigure(
      c.installationId,
      row.settings,
      [kitchen, porch].map((d) => ({ inputName: 'switches', deviceId: d.id, capability: 'switch' })),
      'reconfigured by the test',
    );
    expect((await switches(c)).map((s) => s.name).sort()).toEqual(['Kitchen Light', 'Porch Light']);
  });

  it('publishing a new version is seen by the next call; so is a location change', async () => {
    const c = await connectSwitch(t.http);
    await switches(c);
    const row = await t.write((m) => m.getRepository(Installation).findOneByOrFail({ id: c.installationId }));
    const source = readFileSync(join(__dirname, '..', '..', 'examples', 'device-bridge.js'), 'utf8')
      .replace("'/switches': { GET: 'listSwitches' },", "'/switches': { GET: 'listSwitches' },\n    '/where': { GET: 'where' },")
      .replace('    listSwitches(ctx) {', '    where(ctx) {\n      return { location: ctx.location.name };\n    },\n    listSwitches(ctx) {');
    await request(t.http).get(`${c.url}/where`).set('Authorization', `Bearer ${c.token}`).expect(404);
    expect(await t.app.get(SmartAppsService).addVersion(await demoAccountId(c), row.smartAppId, source)).not.toBeNull();
    const where = () => request(t.http).get(`${c.url}/where`).set('Authorization', `Bearer ${c.token}`).expect(200);
    expect((await where()).body).toEqual({ location: 'Home' });
    await t.app.get(LocationsService).rename(await demoAccountId(c), row.locationId, 'Home Sweet Home');
    expect((await where()).body).toEqual({ location: 'Home Sweet Home' });
    await t.app.get(LocationsService).rename(await demoAccountId(c), row.locationId, 'Home');
  });

  it('a deleted device is gone from the next call', async () => {
    const home = await t.write((m) => deviceNamed(m, 'Kitchen Light'));
    await t.write((m) => t.app.get(DevicesService).create({ locationId: home.locationId, label: 'Spare Light', capabilities: ['switch'] }, m));
    const c = await connectSwitch(t.http, 'Spare Light');
    expect(await switches(c)).toHaveLength(1);
    const light = await t.write((m) => deviceNamed(m, 'Spare Light'));
    await t.app.get(DevicePagesService).remove(await demoAccountId(c), light.id);
    expect(await switches(c)).toEqual([]);
  });

  it('a location deleted with its devices: the installations that worked there were uninstalled first, their tokens refused', async () => {
    const c = await connectSwitch(t.http, 'Cabin Light', 'Cabin');
    expect((await switches(c)).map((s) => s.name)).toEqual(['Cabin Light']);
    const row = await t.write((m) => m.getRepository(Installation).findOneByOrFail({ id: c.installationId }));
    await request(t.http).delete(c.url).set('Authorization', `Bearer ${c.token}`).expect(204);
    const removal = await t.app.get(LocationPagesService).remove(row.accountId, row.locationId);
    expect(removal.kind).toBe('deleted');
    await listSwitches(t.http, c).expect(401);
  });

  it('a revoked token is refused by the next call', async () => {
    const c = await connectSwitch(t.http);
    await switches(c);
    await request(t.http).post('/oauth/revoke').auth(DEMO_CLIENT.clientId, DEMO_CLIENT.clientSecret).type('form').send({ token: c.token }).expect(200);
    await listSwitches(t.http, c).expect(401);
  });

  it('an uninstall is seen by the next call', async () => {
    const c = await connectSwitch(t.http);
    await switches(c);
    await t.app.get(InstallationLifecycle).uninstall(c.installationId, 'uninstalled by the test');
    await listSwitches(t.http, c).expect(401);
  });

  it('an expired token is refused although it is cached', async () => {
    const c = await connectSwitch(t.http);
    await switches(c);
    // the token is cached now: its expiry is checked in memory (the clock moves past it)
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 2 * 24 * 3600 * 1000;
      await listSwitches(t.http, c).expect(401);
    } finally {
      Date.now = realNow;
    }
  });
});
