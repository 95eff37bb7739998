// The platform under load, in a process of its own (started by bench/run.ts): it empties its
// database, seeds the demo, adds switches so the install URL has 10 granted, connects Device
// Bridge through the real consent pages, listens, and answers bench/run.ts over IPC.
import 'reflect-metadata';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';
import { AppConfig, loadConfig } from '../src/config/app-config';
import { Location } from '../src/locations/location.entity';
import { DevicesService } from '../src/locations/devices.service';
import { OAuthClient } from '../src/oauth/oauth-client.entity';
import { TokensService } from '../src/oauth/tokens.service';
import { Transactions } from '../src/database/transactions';
import { agentFor, codeFrom, decide, exchangeCode, logIn, openPreferences } from '../test/helpers/browser';
import { DEMO_USER } from '../test/helpers/oauth-flow';
import { memoryBreakdown } from './memory';
import { seedLarge } from './seed-large';

export interface ServerReady {
  type: 'ready';
  port: number;
  accessToken: string;
  installationId: string;
  refreshTokens: string[];
}

export type ServerRequest =
  | { type: 'seed-large'; installations: number; tokensPerInstallation: number }
  | { type: 'count-start' }
  | { type: 'count-stop' }
  | { type: 'idle' }
  /** `gc`: first a full garbage collection (the server runs with --expose-gc), so the heap is what is alive */
  | { type: 'memory'; gc?: boolean }
  | { type: 'stop' };

const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

const send = (message: object): void => {
  process.send?.(message);
};

async function main(): Promise<void> {
  const config: AppConfig = {
    ...loadConfig({
      DATABASE_URL: process.env.BENCH_SERVER_DATABASE_URL ?? 'sqlite::memory:',
      SESSION_SECRET: 'bench-session-secret-0123456789',
      SEED_DEMO: 'true',
      LOG_LEVEL: 'error',
      DEMO_CLIENT_PORT: '0',
      // the install URL's per-installation limit would turn the load into 429s
      RATE_LIMIT_CALLS: '1000000',
      // one installation takes all 32 connections: its fair-share queue and CPU budget would answer
      // 429/503 by design (bench/fairness.ts measures those); here the throughput is measured
      SANDBOX_QUEUE_PER_INSTALLATION: '256',
      SANDBOX_CPU_MS_PER_INSTALLATION: '0',
      SANDBOX_CPU_MS_PER_SMARTAPP: '0',
    }),
    dropSchemaOnStart: true,
  };
  const app = await createApp(config);
  const http = app.getHttpServer();
  const db = app.get(DataSource);

  // Home has two switches; eight more make the ten granted switches of the bench
  const home = await db.getRepository(Location).findOneByOrFail({ name: 'Home' });
  const devices = app.get(DevicesService);
  for (let i = 1; i <= 8; i += 1) {
    await devices.create({ locationId: home.id, label: `Bench Switch ${i}`, capabilities: ['switch'] });
  }
  const agent = agentFor(http);
  await logIn(agent, DEMO_USER.email, DEMO_USER.password);
  const page = await openPreferences(agent, 'Home', { scope: 'app offline_access' });
  const switchIds = [...page.matchAll(/name="settings\[switches\]"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="settings\[switches\]"/g)].map((m) => m[1] ?? m[2]);
  if (switchIds.length !== 10) {
    throw new Error(`expected 10 switches on the preference page, found ${switchIds.length}`);
  }
  const decided = await decide(agent, page, 'allow', { switches: switchIds }).expect(303);
  const tokens = (await exchangeCode(http, codeFrom(decided.headers.location)).expect(200)).body as { access_token: string; installation_id: string };

  // one refresh-token chain per load connection (each rotation answers the next token)
  const client = await db.getRepository(OAuthClient).findOneByOrFail({ clientId: 'device-bridge' });
  const account = await db.query<{ account_id: string }[]>(`SELECT account_id FROM installations WHERE id = ${db.options.type === 'postgres' ? '$1' : '?'}`, [tokens.installation_id]);
  const refreshTokens: string[] = [];
  const tokenService = app.get(TokensService);
  for (let i = 0; i < 64; i += 1) {
    const issued = await app.get(Transactions).run((tx) =>
      tokenService.issueTokens(tx, client, { installationId: tokens.installation_id, accountId: account[0].account_id, scope: 'app offline_access', codeHash: null, family: null }),
    );
    if (issued.refreshToken) {
      refreshTokens.push(issued.refreshToken);
    }
  }

  // requests still being worked on (a load's connections close before the server has answered them all)
  let inflight = 0;
  let idleWaiters: (() => void)[] = [];
  http.on('request', (_req: unknown, res: { once(event: 'close', listener: () => void): void }) => {
    inflight += 1;
    res.once('close', () => {
      inflight -= 1;
      if (inflight === 0) {
        idleWaiters.forEach((resolve) => resolve());
        idleWaiters = [];
      }
    });
  });
  await app.listen(0, '127.0.0.1');
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  // statement counter: every statement TypeORM sends (BEGIN/COMMIT included) goes through logQuery
  let counting = false;
  let statements: string[] = [];
  const original = db.logger.logQuery.bind(db.logger);
  db.logger.logQuery = (query, parameters, runner) => {
    if (counting) {
      statements.push(query);
    }
    return original(query, parameters, runner);
  };

  process.on('message', (raw: ServerRequest) => {
    void (async () => {
      switch (raw.type) {
        case 'seed-large': {
          const started = Date.now();
          const counts = await seedLarge(db, (work) => app.get(Transactions).run(work), tokens.installation_id, tokens.access_token, raw.installations, raw.tokensPerInstallation);
          send({ type: 'seeded', ms: Date.now() - started, ...counts });
          break;
        }
        case 'idle':
          if (inflight > 0) {
            await new Promise<void>((resolve) => idleWaiters.push(resolve));
          }
          send({ type: 'idle' });
          break;
        case 'memory':
          if (raw.gc) {
            collectGarbage();
          }
          send({ type: 'memory', ...memoryBreakdown() });
          break;
        case 'count-start':
          statements = [];
          counting = true;
          send({ type: 'counting' });
          break;
        case 'count-stop':
          counting = false;
          send({ type: 'counted', statements });
          break;
        case 'stop':
          if (process.env.BENCH_HEAPSNAPSHOT) {
            // BENCH_HEAPSNAPSHOT=<dir>: what the main thread's heap holds after the whole load
            collectGarbage();
            writeHeapSnapshot(join(process.env.BENCH_HEAPSNAPSHOT, `server-${process.pid}.heapsnapshot`));
          }
          await app.close();
          process.exit(0);
      }
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  const ready: ServerReady = { type: 'ready', port, accessToken: tokens.access_token, installationId: tokens.installation_id, refreshTokens };
  send(ready);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
