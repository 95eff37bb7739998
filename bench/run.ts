// npm run bench: the platform's speed and memory on this machine, printed as a table.
// Numbers go into docs/performance.md and the issue notes; tests never assert on time.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { SandboxService } from '../src/sandbox/sandbox.service';
import type { Snapshot } from '../src/sandbox/sandbox.types';
import { codeFrom, decide, exchangeCode, optionValue, openPreferences } from '../test/helpers/browser';
import { loggedIn } from '../test/helpers/oauth-flow';
import { startTestApp } from '../test/helpers/test-app';

function stats(samples: number[]): { p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

function row(name: string, samples: number[], unit = 'ms'): void {
  const s = stats(samples);
  console.log(`| ${name} | ${samples.length} | ${s.p50.toFixed(2)} ${unit} | ${s.p95.toFixed(2)} ${unit} | ${s.mean.toFixed(2)} ${unit} |`);
}

async function time(n: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const start = performance.now();
    await work(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const snapshot = (installationId: string): Snapshot => ({
  installationId,
  settings: {},
  deviceInputs: {
    switches: {
      multiple: true,
      devices: [{ id: 'd1', label: 'Lamp', capabilities: ['switch'], state: { switch: 'off' }, commands: [{ name: 'on', args: [], sets: { attribute: 'switch', value: 'on' } }] }],
    },
    locks: { multiple: true, devices: [] },
  },
  params: { command: 'on' },
  body: null,
  headers: {},
  state: {},
  location: { id: 'l', name: 'Home', timeZone: 'UTC' },
  now: new Date().toISOString(),
});

async function main(): Promise<void> {
  const source = readFileSync(join(__dirname, '..', 'examples', 'device-bridge.js'), 'utf8');
  console.log('| measurement | n | p50 | p95 | mean |');
  console.log('|---|---|---|---|---|');

  const sandbox = new SandboxService();
  await sandbox.inspect(source);
  row('sandbox: inspect (evaluate a SmartApp module)', await time(50, () => sandbox.inspect(source)));
  // fresh: a new version key each time, so nothing compiled is reused
  row('sandbox: handler call, fresh version', await time(100, (i) => sandbox.run({ versionKey: `fresh-${i}`, source, handler: { kind: 'mapping', name: 'listSwitches' }, snapshot: snapshot(`i${i}`) })));
  row('sandbox: handler call, warm version', await time(300, (i) => sandbox.run({ versionKey: 'warm', source, handler: { kind: 'mapping', name: 'updateSwitches' }, snapshot: snapshot(`i${i % 10}`) })));

  // the install URL's rate limit (250 calls a minute) would turn the timing loops into 429s
  const t = await startTestApp({ LOG_LEVEL: 'error', RATE_LIMIT_CALLS: '1000000' });
  try {
    const agent = await loggedIn(t.http);
    const page = await openPreferences(agent, 'Home');
    const decided = await decide(agent, page, 'allow', { switches: optionValue(page, 'Kitchen Light') }).expect(303);
    const tokens = (await exchangeCode(t.http, codeFrom(decided.headers.location)).expect(200)).body as { access_token: string; installation_id: string };
    const base = `/api/smartapps/installations/${tokens.installation_id}`;
    const auth = `Bearer ${tokens.access_token}`;
    row('HTTP: GET installation URL (list switches)', await time(300, () => request(t.http).get(`${base}/switches`).set('Authorization', auth).expect(200)));
    row('HTTP: PUT installation URL (command, one transaction)', await time(300, (i) => request(t.http).put(`${base}/switches/${i % 2 ? 'on' : 'off'}`).set('Authorization', auth).expect(204)));
    row('HTTP: GET endpoints service', await time(300, () => request(t.http).get('/api/smartapps/endpoints').set('Authorization', auth).expect(200)));
    row(
      'whole authorize → code → token flow (browser pages + exchange)',
      await time(30, async () => {
        const p = await openPreferences(agent, 'Home');
        const d = await decide(agent, p, 'allow', { switches: optionValue(p, 'Kitchen Light') }).expect(303);
        await exchangeCode(t.http, codeFrom(d.headers.location)).expect(200);
      }),
    );
    const mem = process.memoryUsage();
    console.log(`\nprocess memory after the run: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await t.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
