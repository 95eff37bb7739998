// One tenant cannot starve another (issue 11): a normal installation of one account called back to
// back, alone, then beside four installations of a SmartApp whose handler is `for (;;) {}` called
// by eight callers. Each scenario on a fresh platform (SQLite in memory unless DATABASE_URL is set).
// Standalone: node -r ts-node/register/transpile-only bench/fairness.ts
// Numbers go into docs/performance.md ("Fairness"); tests never assert on time.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEMO_DEVELOPER_TOKEN, install, publishWithOAuth, smartAppSource } from '../test/factories/developer';
import { startTestApp } from '../test/helpers/test-app';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const OTHER_USER = { email: 'other@example.com', password: 'other-password' };
const DEMO_USER = { email: 'demo@example.com', password: 'demo-password' };

const NORMAL = smartAppSource({
  name: 'Normal',
  namespace: 'bench-normal',
  mappings: `{ '/switches': { GET: 'list' } }`,
  handlers: `list(ctx) { return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') })) },`,
});
const HOSTILE = smartAppSource({
  name: 'Hostile',
  namespace: 'bench-hostile',
  mappings: `{ '/loop': { GET: 'loop' } }`,
  handlers: `loop(ctx) { for (;;) {} },`,
});

interface Measured {
  calls: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Calls `url` back to back until `until`, `callers` at a time. */
async function hammer(url: string, token: string, callers: number, until: number): Promise<Measured> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        samples.push(performance.now() - started);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const sorted = samples.sort((a, b) => a - b);
  return { calls: samples.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), statuses };
}

async function scenario(name: string, env: Record<string, string>, hostile: boolean): Promise<{ name: string; normal: Measured; hostile?: Measured }> {
  // the install URL's own rate limit (250 per 60 s) is lifted: this measures the sandbox's fairness
  const t = await startTestApp({ LOG_LEVEL: 'error', EVENTS_WORKER: 'false', RATE_LIMIT_CALLS: '1000000', ...env });
  try {
    await t.app.listen(0, '127.0.0.1');
    const origin = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const normalApp = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, NORMAL);
    const normal = await install(t.http, normalApp, OTHER_USER, 'Flat', ['Flat Light']);
    const hostileApp = await publishWithOAuth(t.http, DEMO_DEVELOPER_TOKEN, HOSTILE);
    const hostiles = hostile ? await Promise.all(['Home', 'Home', 'Cabin', 'Cabin'].map((location) => install(t.http, hostileApp, DEMO_USER, location, []))) : [];
    // warm up the workers and the normal installation's session
    await hammer(`${origin}${normal.base}/switches`, normal.accessToken, 1, performance.now() + 1000);
    const until = performance.now() + SECONDS * 1000;
    const [measured, ...bad] = await Promise.all([
      hammer(`${origin}${normal.base}/switches`, normal.accessToken, 1, until),
      // eight callers: two per hostile installation
      ...hostiles.flatMap((h) => [0, 1].map(() => hammer(`${origin}${h.base}/loop`, h.accessToken, 1, until))),
    ]);
    const merged = bad.reduce<Measured | undefined>((acc, m) => {
      if (!acc) {
        return { ...m, statuses: { ...m.statuses } };
      }
      for (const [status, count] of Object.entries(m.statuses)) {
        acc.statuses[status] = (acc.statuses[status] ?? 0) + count;
      }
      return { ...acc, calls: acc.calls + m.calls, p50: Math.max(acc.p50, m.p50), p99: Math.max(acc.p99, m.p99) };
    }, undefined);
    return { name, normal: measured, hostile: merged };
  } finally {
    await t.close();
  }
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

async function main(): Promise<void> {
  const results = [
    await scenario('alone', {}, false),
    await scenario('beside 4 hostile installations (8 callers)', {}, true),
    await scenario('beside them, quarantine off (scheduling, reserve and budgets only)', { SANDBOX_QUARANTINE_AFTER_KILLS: '1000' }, true),
  ];
  const db = process.env.DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
  console.log(`\nFairness, ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ${db}, ${SECONDS} s per scenario, Node ${process.version}\n`);
  console.log('| normal installation | calls/s | p50 | p99 | hostile calls (statuses) |');
  console.log('|---|---|---|---|---|');
  for (const r of results) {
    const hostile = r.hostile ? `${r.hostile.calls} (${Object.entries(r.hostile.statuses).map(([s, c]) => `${s}: ${c}`).join(', ')})` : '—';
    const ok = Object.entries(r.normal.statuses).filter(([s]) => s !== '200');
    const note = ok.length > 0 ? ` non-200: ${ok.map(([s, c]) => `${s}: ${c}`).join(', ')}` : '';
    console.log(`| ${r.name} | ${(r.normal.calls / SECONDS).toFixed(1)} | ${fmt(r.normal.p50)} ms | ${fmt(r.normal.p99)} ms | ${hostile}${note} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
