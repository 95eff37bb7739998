import 'reflect-metadata';
import { DataSource, In } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { Device } from '../src/locations/device.entity';
import { Installation } from '../src/installations/installation.entity';
async function main() {
  const db = await new DataSource(dataSourceOptions({ type: 'sqlite', database: '/tmp/orm-bench.db' }, { dropSchema: true })).initialize();
  await db.query(`INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('a1','x@y','h', CURRENT_TIMESTAMP)`).catch((e) => console.log('acct', e.message));
  const ids: string[] = [];
  const loc = await db.query(`SELECT id FROM locations LIMIT 1`);
  console.log('loc', loc.length);
  const devs = await db.getRepository(Device).find({ take: 10 });
  console.log('devices', devs.length);
  const N = 3000;
  async function measure(name: string, f: () => Promise<unknown>) {
    for (let i = 0; i < 300; i++) await f();
    const c0 = process.cpuUsage(); const t0 = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < N / 8; i++) await f(); }));
    const c = process.cpuUsage(c0);
    console.log(`${name}: ${((c.user + c.system) / 1000 / N).toFixed(3)} ms CPU/op, ${((Date.now() - t0) / N).toFixed(3)} ms wall/op`);
  }
  const id = '00000000-0000-0000-0000-000000000001';
  await measure('repo.findOne installation', () => db.getRepository(Installation).findOne({ where: { id, status: 'active' } }));
  await measure('query raw installation', () => db.query('SELECT * FROM installations WHERE id = ? AND status = ? LIMIT 1', [id, 'active']));
  const tenIds = Array.from({ length: 10 }, (_, i) => `00000000-0000-0000-0000-0000000000${String(i).padStart(2, '0')}`);
  await measure('repo.find devices IN 10', () => db.getRepository(Device).find({ where: { id: In(tenIds) } }));
  await measure('query raw devices IN 10', () => db.query(`SELECT * FROM devices WHERE id IN (${tenIds.map(() => '?').join(',')})`, tenIds));
  await db.destroy();
}
main();
