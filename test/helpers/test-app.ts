import { NestExpressApplication } from '@nestjs/platform-express';
import { Server } from 'node:http';
import { DataSource, EntityManager } from 'typeorm';
import { createApp } from '../../src/app.setup';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { Transactions } from '../../src/database/transactions';

export interface TestApp {
  app: NestExpressApplication;
  http: Server;
  config: AppConfig;
  db: DataSource;
  /** a test's own change to the database (e.g. backdating a row): writes only go through Transactions.run */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The real platform on a fresh database: in-memory SQLite, or the PostgreSQL of DATABASE_URL
 * emptied first (suites run one at a time).
 */
export async function startTestApp(env: Record<string, string> = {}, overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const config: AppConfig = {
    ...loadConfig({
      DATABASE_URL: process.env.DATABASE_URL ?? 'sqlite::memory:',
      SESSION_SECRET: 'test-session-secret-0123456789',
      SEED_DEMO: 'true',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      DEMO_CLIENT_PORT: '0',
      ...env,
    }),
    dropSchemaOnStart: true,
    ...overrides,
  };
  const app = await createApp(config);
  return {
    app,
    http: app.getHttpServer(),
    config,
    db: app.get(DataSource),
    write: (work) => app.get(Transactions).run(work),
    close: () => app.close(),
  };
}
