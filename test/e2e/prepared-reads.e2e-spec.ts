// preparedRead (src/database/prepared-reads.ts): the install URL's reads with their statement
// prepared once per connection, on SQLite and PostgreSQL alike.
import { preparedRead } from '../../src/database/prepared-reads';
import { Installation } from '../../src/installations/installation.entity';
import { installationPatch } from '../../src/installations/installation-patch';
import { connect, optionValue } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('preparedRead', () => {
  let t: TestApp;
  let sql: (text: string) => string;
  beforeAll(async () => {
    t = await startTestApp();
    await connect(t.http, { email: 'demo@example.com', password: 'demo-password' }, 'Home', (page) => ({ switches: optionValue(page, 'Kitchen Light') }));
    sql = (text) => (t.db.options.type === 'postgres' ? text.replace(/\?/g, (_, i: number) => `$${text.slice(0, i).split('?').length}`) : text);
  }, 60000);
  afterAll(async () => {
    await t.close();
  });

  it('answers as a plain query does, again and again, with other parameters each time', async () => {
    const rows = await t.db.query<{ id: string; status: string }[]>('SELECT id, status FROM installations ORDER BY id');
    expect(rows.length).toBeGreaterThan(0);
    const statement = sql('SELECT id, status FROM installations WHERE id = ? AND status = ?');
    for (let round = 0; round < 3; round += 1) {
      for (const row of rows) {
        expect(await preparedRead(t.db.manager, statement, [row.id, row.status])).toEqual([row]);
      }
      expect(await preparedRead(t.db.manager, statement, [rows[0].id, 'uninstalled'])).toEqual([]);
    }
  });

  it('runs many reads of one statement at once', async () => {
    const rows = await t.db.query<{ id: string }[]>('SELECT id FROM installations');
    const statement = sql('SELECT id FROM installations WHERE id = ?');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => preparedRead(t.db.manager, statement, [rows[i % rows.length].id])));
    results.forEach((result, i) => expect(result).toEqual([rows[i % rows.length]]));
  });

  it('rejects a statement that does not prepare, and does not keep it', async () => {
    await expect(preparedRead(t.db.manager, 'SELECT nope FROM installations', [])).rejects.toThrow(/nope/);
    await expect(preparedRead(t.db.manager, 'SELECT nope FROM installations', [])).rejects.toThrow(/nope/);
  });

  it('reads inside a transaction on its connection, seeing its own writes', async () => {
    const [row] = await t.db.getRepository(Installation).find({ take: 1 });
    const statement = sql('SELECT id, state FROM installations WHERE id = ?');
    const seen = await t.write(async (m) => {
      await m.getRepository(Installation).update({ id: row.id }, installationPatch({ state: { seenInside: true } }));
      const inside = await preparedRead(m, statement, [row.id]);
      throw Object.assign(new Error('roll back'), { inside });
    }).catch((err: { inside?: unknown }) => err.inside);
    expect(JSON.stringify(seen)).toContain('seenInside');
    expect(JSON.stringify(await preparedRead(t.db.manager, statement, [row.id]))).not.toContain('seenInside');
  });

  it('lets the database close with statements prepared', async () => {
    await preparedRead(t.db.manager, sql('SELECT id FROM installations WHERE id = ?'), ['x']);
    await t.close();
    expect(t.db.isInitialized).toBe(false);
    t = await startTestApp();
  });
});
