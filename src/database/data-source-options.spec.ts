import sqlite3 from 'sqlite3';
import { dataSourceOptions } from './data-source-options';

describe('dataSourceOptions (SQLite)', () => {
  it('hands TypeORM node-sqlite3 whose verbose() leaves it quiet (no per-statement stack capture)', () => {
    const options = dataSourceOptions({ type: 'sqlite', database: ':memory:' });
    const driver = (options as { driver?: typeof sqlite3 }).driver;
    expect(driver).toBeDefined();
    // TypeORM calls verbose() on what it is given and keeps the result
    const used = driver!.verbose();
    expect(used).toBe(driver);
    expect(used.Database).toBe(sqlite3.Database);
  });
});
