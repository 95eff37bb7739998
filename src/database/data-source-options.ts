import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseSettings } from '../config/app-config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SQLITE3_UNTRACED } from './sqlite3-untraced';

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
    driver: SQLITE3_UNTRACED,
    database: database.database,
    // foreign keys on, and wait for a lock rather than fail at once when two connections write
    busyErrorRetry: 50,
    enableWAL: database.database !== ':memory:',
  };
}
