import { DataSource } from 'typeorm';
import type { SqliteDriver } from 'typeorm/driver/sqlite/SqliteDriver';
import { dataSourceOptions } from './data-source-options';

describe('the SQLite driver TypeORM gets', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions({ type: 'sqlite', database: ':memory:' })).initialize();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('runs statements on node-sqlite3’s own methods, not on the verbose mode’s tracing wrappers', () => {
    const { Database, Statement } = (db.driver as SqliteDriver).sqlite as { Database: { prototype: object }; Statement: { prototype: object } };
    for (const [name, proto] of [
      ['Database', Database.prototype],
      ['Statement', Statement.prototype],
    ] as const) {
      for (const method of ['all', 'run', 'get', 'prepare'].filter((m) => m in proto)) {
        // the verbose mode's wrapper (sqlite3/lib/trace.js) builds an Error and inspects the arguments on every call
        expect(`${name}#${method}: ${String((proto as Record<string, unknown>)[method])}`).not.toMatch(/new Error\(\)|util\.inspect/);
      }
    }
  });

  it('still reports a failing statement with its message', async () => {
    await expect(db.query('SELECT * FROM no_such_table')).rejects.toThrow(/no such table: no_such_table/);
  });
});
