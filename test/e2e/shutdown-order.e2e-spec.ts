// SIGTERM while SmartApp handler calls are running and events are waiting: every call in flight
// is answered normally, and no event is lost (the next start delivers what was left).
import { Agent, ClientRequest, request as httpRequest, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DEMO_DEVELOPER_TOKEN, installWith, logsOf, publishWithOAuth, smartAppSource } from '../factories/developer';
import { optionValue } from '../helpers/browser';
import { freePort } from '../helpers/listen';
import { DEMO_USER } from '../helpers/oauth-flow';
import { buildPlatform, PlatformProcess, startPlatform, untilReady } from '../helpers/platform-process';

const SOURCE = smartAppSource({
  name: 'Slow Witness',
  preferences: `[{ section: 'Devices', inputs: [{ name: 'dimmers', type: 'capability.switchLevel', title: 'Dimmers', multiple: true, required: true }] }]`,
  mappings: `{ '/slow/:n': { PUT: 'slow' }}`,
  lifecycle: `installed(ctx) { ctx.subscribe(ctx.settings.dimmers, 'level', 'onLevel') },`,
  handlers: `
    slow(ctx) { let x = 0; for (let i = 0; i < 2000000; i++) { x += i % 7 } ctx.settings.dimmers.forEach((d) => d.setLevel(Number(ctx.params.n))); return { n: Number(ctx.params.n), x: x > 0 } },
    // the app's log, not its state: a state write of a concurrent call could hide one
    onLevel(ctx, evt) { let x = 0; for (let i = 0; i < 1000000; i++) { x += i % 7 } ctx.log.info('seen ' + evt.value + (x > 0 ? '' : '!')) },
  `,
});

/** A GET or PUT on `agent`; `sent` resolves once the request is written on its socket. */
function call(agent: Agent, method: string, url: string, token?: string): { sent: Promise<void>; answer: Promise<{ status: number; body: string }> } {
  let req!: ClientRequest;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = httpRequest(url, { agent, method, headers: { 'Content-Length': '0', ...(token ? { Authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  const sent = new Promise<void>((resolve) => req.once('finish', () => resolve()));
  req.end();
  return { sent, answer };
}

describe('shutdown in order: SIGTERM with handler calls in flight and events pending', () => {
  jest.setTimeout(180000);
  const build = buildPlatform(`shutdown-order-${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'shutdown-order-'));
  const databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(dir, 'platform.sqlite')}`;
  const env = { DATABASE_URL: databaseUrl, DATA_DIR: dir, SEED_DEMO: 'true', EVENTS_POLL_MS: '200', SANDBOX_CPU_MS: '10000', CLAIM_TIMEOUT_MS: '60000', LOG_LEVEL: 'info' };
  let p: PlatformProcess | null = null;

  afterAll(async () => {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
    build.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every call in flight normally, exits cleanly, and the next start delivers every event', async () => {
    if (databaseUrl.startsWith('postgres')) {
      const pg = new DataSource({ type: 'postgres', url: databaseUrl });
      await pg.initialize();
      await pg.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      await pg.destroy();
    }
    p = startPlatform(build.main, await freePort(), env);
    await untilReady(p);
    let http = p.baseUrl as unknown as Server;
    const app = await publishWithOAuth(http, DEMO_DEVELOPER_TOKEN, SOURCE);
    const dimmers = (page: string) => ({ dimmers: [optionValue(page, 'Kitchen Light')] });
    const witness = await installWith(http, app, DEMO_USER, 'Home', dimmers);
    const commander = await installWith(http, app, DEMO_USER, 'Home', dimmers);

    const levels = [11, 12, 13, 14, 15, 16];
    // connections the platform has accepted already (a connection still in the kernel's queue
    // when the listening socket closes is refused: that is "stop accepting")
    const agent = new Agent({ keepAlive: true, maxSockets: levels.length });
    await Promise.all(levels.map(() => call(agent, 'GET', `${p!.baseUrl}/.well-known/oauth-authorization-server`).answer));
    const calls = levels.map((n) => call(agent, 'PUT', `${p!.baseUrl}${commander.base}/slow/${n}`, commander.accessToken));
    await Promise.all(calls.map((c) => c.sent));
    p.child.kill('SIGTERM');
    const answers = await Promise.all(calls.map((c) => c.answer)).catch((err: unknown) => {
      throw new Error(`${String(err)}; the platform said:\n${p!.output()}`);
    });
    expect(answers.map((a) => a.status)).toEqual(levels.map(() => 200));
    expect(answers.map((a) => (JSON.parse(a.body) as { n: number }).n)).toEqual(levels);
    agent.destroy();
    const { code } = await p.exited;
    expect(code).toBe(0);
    // the signal came while calls were running, and they finished within the grace period
    expect(p.output()).toMatch(/shutting down: [1-9]\d* request\(s\) in flight/);
    expect(p.output()).not.toContain('grace period over');
    expect(p.output()).toContain('shut down in');
    expect(p.output()).not.toMatch(/SmartAppError|ERROR/);

    // the next start delivers whatever was left of the events
    p = startPlatform(build.main, await freePort(), env);
    await untilReady(p);
    http = p.baseUrl as unknown as Server;
    let seen: number[] = [];
    for (let i = 0; i < 300 && !levels.every((n) => seen.includes(n)); i++) {
      seen = (await logsOf(http, DEMO_DEVELOPER_TOKEN, app.id, `?installation=${witness.installationId}&limit=1000`)).flatMap((l) => (/^seen (\d+)$/.exec(l.message) ? [Number(l.message.slice(5))] : []));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen].sort()).toEqual(levels);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  });
});
