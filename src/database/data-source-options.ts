import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite3 from 'sqlite3';
import { DataSourceOptions } from 'typeorm';
import { DatabaseSettings } from '../config/app-config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(database: DatabaseSettings, extra: { dropSchema?: boolean } = {}): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    dropSchema: extra.dropSchema ?? false,
    logging: ['error' as const],
  };
  if (database.type === 'postgres') {
    return { ...common, type: 'postgres', url: database.url, extra: { max: 10 } };
  }
  if (database.database !== ':memory:') {
    mkdirSync(dirname(database.database), { recursive: true });
  }
  return {
    ...common,
    type: 'sqlite',
    database: database.database,
    // foreign keys on, and wait for a lock rather than fail at once when two connections write
    busyErrorRetry: 50,
    enableWAL: database.database !== ':memory:',
    driver: quietSqlite3,
  };
}

// TypeORM switches node-sqlite3 to verbose mode, which wraps every call to keep its caller's stack
// (util.inspect of the arguments, an Error per statement): a fifth of the database's main-thread
// time under load (issue 10 point 4, profiled). The module itself, whose verbose() changes nothing.
const quietSqlite3: typeof sqlite3 = Object.assign(Object.create(sqlite3) as typeof sqlite3, { verbose: () => quietSqlite3 });
