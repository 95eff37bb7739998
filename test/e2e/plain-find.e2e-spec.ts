import { In } from 'typeorm';
import { plainFind } from '../../src/database/plain-find';
import { Installation } from '../../src/installations/installation.entity';
import { Device } from '../../src/locations/device.entity';
import { connect, optionValue } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('plainFind: the install URL’s reads without the query builder, hydrated as a repository would', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    // an installation with settings, state and a null last_used_at; devices with JSON state and dates
    await connect(t.http, { email: 'demo@example.com', password: 'demo-password' }, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('returns the same entities as the repository, for equality and IN lists, inside and outside a transaction', async () => {
    const installations = await t.db.getRepository(Installation).find();
    expect(installations.length).toBeGreaterThan(0);
    for (const row of installations) {
      const fromRepository = await t.db.getRepository(Installation).findOne({ where: { id: row.id, status: row.status } });
      const plain = await plainFind(t.db.manager, Installation, { id: row.id, status: row.status }, 1);
      expect(plain).toEqual([fromRepository]);
      expect(plain[0]).toBeInstanceOf(Installation);
      expect(plain[0].createdAt).toBeInstanceOf(Date);
    }
    const devices = await t.db.getRepository(Device).find();
    const ids = devices.map((d) => d.id);
    const byId = (list: Device[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    const plainDevices = await t.write((m) => plainFind(m, Device, { id: ids }));
    expect(byId(plainDevices)).toEqual(byId(await t.db.getRepository(Device).find({ where: { id: In(ids) } })));
    expect(plainDevices.some((d) => d.stateDates !== null && typeof d.state === 'object')).toBe(true);
  });

  it('finds nothing for an unknown id, a wrong status or an empty list', async () => {
    const [installation] = await t.db.getRepository(Installation).find({ take: 1 });
    expect(await plainFind(t.db.manager, Installation, { id: 'no-such-installation', status: 'active' }, 1)).toEqual([]);
    expect(await plainFind(t.db.manager, Installation, { id: installation.id, status: 'uninstalled' }, 1)).toEqual([]);
    expect(await plainFind(t.db.manager, Device, { id: [] })).toEqual([]);
  });

  it('refuses a property that is not a column', async () => {
    await expect(plainFind(t.db.manager, Device, { nope: 'x' } as never)).rejects.toThrow(/Device has no column nope/);
  });
});
