import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { Subscription } from '../../src/events/subscription.entity';
import { LocationMode } from '../../src/locations/location-mode.entity';
import { Location } from '../../src/locations/location.entity';
import { addDevice, install, publishApp } from '../factories/events';
import { startTestApp, TestApp } from '../helpers/test-app';

const SUBSCRIBER = `
export default {
  definition: { name: 'Migration Subscriber', namespace: 'test.migration', author: 'Tests', description: 'subscribes', category: 'Test' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: false }] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch'); ctx.subscribe(ctx.location, 'mode', 'onMode') },
  handlers: { onSwitch() {}, onMode() {} },
}`;

// The location-modes migration on a database that already has locations and device subscriptions
// (undone, then run again): every location gets Home, Away and Night and stays in Home, and the
// subscriptions table keeps its device rows while it gains location rows.
describe('migration 1765000400000 (location modes) on existing data', () => {
  let t: TestApp;
  let db: DataSource;
  // a file, not :memory:, so a second connection sees the app's data (PostgreSQL when DATABASE_URL is set)
  const dir = mkdtempSync(join(tmpdir(), 'h4-migration-'));
  beforeAll(async () => {
    t = await startTestApp(process.env.DATABASE_URL ? {} : { DATABASE_URL: `sqlite:${join(dir, 'platform.sqlite')}` });
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives existing locations their modes and keeps device subscriptions, down and up again', async () => {
    const app = await publishApp(t, SUBSCRIBER);
    await addDevice(t, 'Migrated Lamp', ['switch']);
    const installationId = await install(t, app, [{ input: 'switches', device: 'Migrated Lamp', capability: 'switch' }]);
    expect(await t.db.getRepository(Subscription).countBy({ installationId })).toBe(2);
    await t.close();
    // migrations by hand, outside the app (whose writes must go through Transactions.run)
    db = new DataSource({ ...dataSourceOptions(t.config.database), migrationsRun: false });
    await db.initialize();

    // down to just before the location modes (later migrations first)
    const latest = async () => Number((await db.query<{ t: string }[]>('SELECT MAX(timestamp) AS t FROM migrations'))[0].t);
    while ((await latest()) >= 1765000400000) {
      await db.undoLastMigration();
    }
    const locations = await db.query<{ id: string }[]>('SELECT id FROM locations');
    expect(locations.length).toBeGreaterThanOrEqual(3);
    // the device subscription survived the way down; the location one could not
    const placeholder = db.options.type === 'postgres' ? '$1' : '?';
    expect(await db.query<unknown[]>(`SELECT handler FROM subscriptions WHERE installation_id = ${placeholder}`, [installationId])).toEqual([{ handler: 'onSwitch' }]);

    await db.runMigrations();
    for (const { id } of locations) {
      const modes = await db.getRepository(LocationMode).find({ where: { locationId: id }, order: { name: 'ASC' } });
      expect(modes.map((m) => m.name)).toEqual(['Away', 'Home', 'Night']);
      expect((await db.getRepository(Location).findOneByOrFail({ id })).mode).toBe('Home');
    }
    const rows = await db.getRepository(Subscription).findBy({ installationId });
    expect(rows.map((r) => ({ handler: r.handler, locationId: r.locationId }))).toEqual([{ handler: 'onSwitch', locationId: null }]);
  });
});
