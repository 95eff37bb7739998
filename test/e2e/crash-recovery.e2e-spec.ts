// Crash recovery: the platform as a real process, killed with SIGKILL at random moments while it
// authorizes, runs commands and uninstalls, and restarted on the same database each time.
// Afterwards: no installation without grants, no live token of an uninstalled installation, no
// duplicate installation, and every event confirmed before a kill delivered soon after a restart.
import { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SQLITE3_UNTRACED } from '../../src/database/sqlite3-untraced';
import { DEMO_DEVELOPER_TOKEN, installWith, logsOf, OAuthApp, publishWithOAuth, smartAppSource } from '../factories/developer';
import { optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { DEMO_USER } from '../helpers/oauth-flow';
import { buildPlatform, PlatformProcess, startPlatform, untilReady } from '../helpers/platform-process';

const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const trace = (what: string) => (process.env.CRASH_TRACE ? process.stderr.write(`${new Date().toISOString()} ${what}\n`) : undefined);
const DELIVERY_LIMIT_MS = 30000;

const SOURCE = smartAppSource({
  name: 'Crash Witness',
  preferences: `[{ section: 'Devices', inputs: [{ name: 'dimmers', type: 'capability.switchLevel', title: 'Dimmers', multiple: true, required: true }] }]`,
  mappings: `{ '/level/:n': { PUT: 'level' }}`,
  lifecycle: `installed(ctx) { ctx.subscribe(ctx.settings.dimmers, 'level', 'onLevel') },`,
  handlers: `
    level(ctx) { ctx.settings.dimmers.forEach((d) => d.setLevel(Number(ctx.params.n))); return { ok: true } },
    // the app's log, not its state: a state write of a concurrent call could hide one
    onLevel(ctx, evt) { ctx.log.info('seen ' + evt.value) },
  `,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash recovery: SIGKILL at random moments, restart on the same database', () => {
  jest.setTimeout(300000);
  const build = buildPlatform(`crash-recovery-${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'crash-recovery-'));
  const databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(dir, 'platform.sqlite')}`;
  const env = {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dir,
    SEED_DEMO: 'true',
    EVENTS_POLL_MS: '200',
    INSTANCE_HEARTBEAT_MS: '300',
    CALLBACKS_ALLOW_PRIVATE_NETWORK: 'true',
  };
  let current: PlatformProcess | null = null;

  afterAll(async () => {
    for (const p of [current, next ? await next : null]) {
      if (p && p.child.exitCode === null) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }
    build.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  // the next process is spawned ahead and loads its modules while the current one works
  let next: Promise<PlatformProcess> | null = null;
  const spawnNext = (): Promise<PlatformProcess> => freePort().then((port) => startPlatform(build.main, port, env, true));
  async function start(): Promise<{ p: PlatformProcess; http: Server; readyAt: number }> {
    const p = await (next ?? spawnNext());
    next = spawnNext();
    current = p;
    trace('go');
    p.go();
    await untilReady(p);
    trace('ready');
    return { p, http: p.baseUrl as unknown as Server, readyAt: Date.now() };
  }

  it(`loses nothing over ${KILLS} kills`, async () => {
    if (databaseUrl.startsWith('postgres')) {
      const pg = new DataSource({ type: 'postgres', url: databaseUrl });
      await pg.initialize();
      await pg.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      await pg.destroy();
    }
    const began = Date.now();
    let { p, http } = await start();
    const app: OAuthApp = await publishWithOAuth(http, DEMO_DEVELOPER_TOKEN, SOURCE);
    const dimmers = (page: string) => ({ dimmers: [optionValue(page, 'Kitchen Light')] });
    const witness = await installWith(http, app, DEMO_USER, 'Home', dimmers);
    // an installation's own commands are not delivered to itself: another one gives the commands
    const commander = await installWith(http, app, DEMO_USER, 'Home', dimmers);

    const confirmed = new Set<number>();
    const uninstalledTokens: string[] = [];
    let decisions = 2;
    let nextLevel = 1;
    const delays: number[] = [];
    const seenBy = async (h: Server): Promise<number[]> =>
      (await logsOf(h, DEMO_DEVELOPER_TOKEN, app.id, `?installation=${witness.installationId}&limit=1000`)).flatMap((l) => (/^seen (\d+)$/.exec(l.message) ? [Number(l.message.slice(5))] : []));
    const setLevel = async (h: Server, token: string, base: string): Promise<void> => {
      if (nextLevel > 100) {
        return;
      }
      const n = nextLevel++;
      const res = await request(h).put(`${base}/level/${n}`).set('Authorization', `Bearer ${token}`);
      if (res.status === 200) {
        confirmed.add(n);
      }
    };

    // the workload of one life: connect a service, command, uninstall, again, until killed
    const workload = async (h: Server, alive: () => boolean): Promise<void> => {
      while (alive()) {
        await setLevel(h, commander.accessToken, commander.base);
        decisions++;
        const other = await installWith(h, app, DEMO_USER, 'Home', dimmers);
        await setLevel(h, other.accessToken, other.base);
        const removed = await request(h).delete(other.base).set('Authorization', `Bearer ${other.accessToken}`);
        if (removed.status === 204) {
          uninstalledTokens.push(other.accessToken);
        }
      }
    };
    // how long after a start every event confirmed before it is delivered
    const deliveredAfter = async (h: Server, readyAt: number, expected: number[], alive: () => boolean): Promise<void> => {
      while (alive()) {
        const seen = new Set(await seenBy(h));
        if (expected.every((n) => seen.has(n))) {
          delays.push(Date.now() - readyAt);
          return;
        }
        await sleep(100);
      }
    };

    let kills = 0;
    let readyAt = Date.now();
    while (kills < KILLS) {
      let living = true;
      const alive = () => living;
      const expected = [...confirmed];
      const work = Promise.all([workload(http, alive), deliveredAfter(http, readyAt, expected, alive)]).catch(() => undefined);
      await sleep(300 + Math.random() * 1700);
      p.child.kill('SIGKILL');
      living = false;
      await p.exited;
      trace('killed');
      await work;
      trace(`work ended, ${confirmed.size} confirmed`);
      kills++;
      ({ p, http, readyAt } = await start());
    }

    // the last life: everything confirmed is delivered within the limit, a new event too
    await setLevel(http, commander.accessToken, commander.base);
    const expected = [...confirmed];
    const deadline = readyAt + DELIVERY_LIMIT_MS;
    let seen = new Set<number>();
    while (Date.now() < deadline) {
      seen = new Set(await seenBy(http));
      if (expected.every((n) => seen.has(n))) {
        break;
      }
      await sleep(100);
    }
    const finalDelay = Date.now() - readyAt;
    trace(p.output());
    expect(expected.filter((n) => !seen.has(n))).toEqual([]);
    delays.push(finalDelay);

    // an uninstalled installation's token opens nothing
    for (const token of uninstalledTokens) {
      const res = await request(http).get('/api/smartapps/endpoints').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
    }

    p.child.kill('SIGTERM');
    await p.exited;
    const db = new DataSource(databaseUrl.startsWith('postgres') ? { type: 'postgres', url: databaseUrl } : { type: 'sqlite', driver: SQLITE3_UNTRACED, database: databaseUrl.slice('sqlite:'.length) });
    await db.initialize();
    try {
      const withoutGrants = await db.query<unknown[]>(
        `SELECT i.id FROM installations i WHERE i.smartapp_id = '${app.id}' AND i.status <> 'uninstalled' AND NOT EXISTS (SELECT 1 FROM device_grants g WHERE g.installation_id = i.id)`,
      );
      expect(withoutGrants).toEqual([]);
      const liveTokensOfGone = await db.query<unknown[]>(
        `SELECT t.installation_id FROM access_tokens t WHERE t.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM installations i WHERE i.id = t.installation_id AND i.status <> 'uninstalled')`,
      );
      expect(liveTokensOfGone).toEqual([]);
      const installations = await db.query<{ n: number | string }[]>(`SELECT COUNT(*) AS n FROM installations WHERE smartapp_id = '${app.id}'`);
      expect(Number(installations[0].n)).toBeLessThanOrEqual(decisions);
    } finally {
      await db.destroy();
    }
    current = null;
    console.log(
      `crash recovery: ${kills} kills, ${confirmed.size} events confirmed, ${confirmed.size} delivered, ` +
        `longest delay after a restart ${Math.max(...delays)} ms (${delays.length} restarts measured), ` +
        `${uninstalledTokens.length} uninstalls, ${decisions} authorizations, ${Math.round((Date.now() - began) / 1000)} s in all`,
    );
  });
});
