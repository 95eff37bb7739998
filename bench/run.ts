// npm run bench: the platform beside its ceiling and its peer, under load, in one bounded run.
// Every server runs in a process of its own; autocannon (this process) drives it over loopback.
// SQLite always (a file in the temp folder); PostgreSQL too when BENCH_DATABASE_URL is set —
// that database is EMPTIED. Prints a markdown table for docs/performance.md. Tests never time.
//
//   BENCH_DURATION   seconds per measurement (default 5)
//   BENCH_CONNECTIONS  concurrent connections (default 32)
//   BENCH_LARGE      installations for the large-database case, 10 tokens each (default 100000; 0 skips)
import 'reflect-metadata';
import autocannon from 'autocannon';
import { ChildProcess, execSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { MemoryBreakdown } from './memory';
import type { ServerReady, ServerRequest } from './server';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const LARGE = Number(process.env.BENCH_LARGE ?? 100000);
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];
// `npm run bench` compiles bench/ beside the platform (tsconfig.bench.json) and runs dist/bench/run.js,
// so every server runs compiled JavaScript, as `npm start` does (ts-node alone holds ~150 MiB per
// thread); started from the sources under ts-node, the scripts run from the sources as before.
const COMPILED = __filename.endsWith('.js');
const SOURCE_DIR = COMPILED ? join(__dirname, '..', '..', 'bench') : __dirname;

/** A bench script by name ('server', 'oidc-peer.mjs'): its file and the flags that run it. */
function script(name: string): { file: string; execArgv: string[] } {
  if (name.endsWith('.mjs')) {
    return { file: join(SOURCE_DIR, name), execArgv: [] };
  }
  return COMPILED ? { file: join(__dirname, `${name}.js`), execArgv: [] } : { file: join(__dirname, `${name}.ts`), execArgv: TS_NODE };
}

interface Row {
  name: string;
  db: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  rssMiB: number | null;
  /** the platform server's memory right after the measurement */
  memory?: MemoryBreakdown;
  note?: string;
}

const rows: Row[] = [];
/** the platform server's memory after its last measurement and a full garbage collection, by database */
const liveMemory = new Map<string, MemoryBreakdown>();
let ceilingRps = 0;

class Child {
  private readonly waiting: ((m: Record<string, unknown>) => void)[] = [];
  private stderr = '';
  /** bench/server.ts: answers 'idle', 'count-*' and 'seed-large' */
  platform = false;

  constructor(readonly proc: ChildProcess) {
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    proc.on('message', (m: Record<string, unknown>) => this.waiting.shift()?.(m));
    proc.on('exit', (code) => {
      if (code !== 0 && code !== null) {
        console.error(`child exited with ${code}:\n${this.stderr}`);
      }
    });
  }

  static start(name: string, args: string[] = [], env: Record<string, string> = {}): Child {
    // BENCH_PROFILE=<dir>: the platform server writes a V8 CPU profile there when it stops
    const profile = name === 'server' && process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    // gc() only when the bench asks for the live heap, after the last measurement;
    // BENCH_SERVER_FLAGS: Node/V8 flags to try on the platform server (e.g. --max-semi-space-size=8)
    const gc = name === 'server' ? ['--expose-gc', ...(process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean)] : [];
    const { file, execArgv } = script(name);
    return new Child(fork(file, args, { execArgv: [...execArgv, ...profile, ...gc], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
  }

  next<T>(timeoutMs = 300000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the child in ${timeoutMs} ms:\n${this.stderr}`)), timeoutMs);
      const onExit = () => reject(new Error(`the child exited:\n${this.stderr}`));
      this.proc.once('exit', onExit);
      this.waiting.push((m) => {
        clearTimeout(timer);
        this.proc.off('exit', onExit);
        resolve(m as T);
      });
    });
  }

  ask<T>(message: ServerRequest): Promise<T> {
    const answer = this.next<T>();
    this.proc.send(message);
    return answer;
  }

  /** Peak resident memory of the process so far (VmHWM), in MiB. */
  peakRssMiB(): number | null {
    const file = `/proc/${this.proc.pid}/status`;
    if (!existsSync(file)) {
      return null;
    }
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.send({ type: 'stop' });
    // a heap snapshot (BENCH_HEAPSNAPSHOT) takes a while to write
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, process.env.BENCH_HEAPSNAPSHOT ? 120000 : 10000))]);
    if (this.proc.exitCode === null) {
      this.proc.kill();
    }
  }
}

async function load(name: string, db: string, server: Child | null, options: autocannon.Options, note?: string): Promise<Row> {
  // a short warm-up first: first calls load code, fill caches, compile the SmartApp; each phase
  // starts on a server that has answered everything sent before
  const idle = async () => {
    if (server?.platform) {
      await server.ask({ type: 'idle' });
    }
  };
  await idle();
  await autocannon({ ...options, connections: Math.min(CONNECTIONS, 8), duration: 1 });
  await idle();
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  const row: Row = {
    name,
    db,
    // completed requests over the measured time (requests.average rounds each second's count)
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMiB: server ? server.peakRssMiB() : null,
    memory: server?.platform ? await server.ask<MemoryBreakdown>({ type: 'memory' }) : undefined,
    note,
  };
  rows.push(row);
  console.error(`  ${name} (${db}): ${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, non-2xx ${row.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`);
  return row;
}

function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

const BASIC = `Basic ${Buffer.from('device-bridge:device-bridge-secret').toString('base64')}`;

async function statementsOf(server: Child, work: () => Promise<unknown>): Promise<string[]> {
  await server.ask({ type: 'count-start' });
  await work();
  return (await server.ask<{ statements: string[] }>({ type: 'count-stop' })).statements;
}

async function platform(db: string, url: string): Promise<Record<string, number>> {
  console.error(`platform on ${db}: starting and seeding`);
  const server = Child.start('server', [], { BENCH_SERVER_DATABASE_URL: url });
  server.platform = true;
  const ready = await server.next<ServerReady>();
  const base = `http://127.0.0.1:${ready.port}`;
  const installUrl = `${base}/api/smartapps/installations/${ready.installationId}`;
  const bearer = { authorization: `Bearer ${ready.accessToken}` };
  const counts: Record<string, number> = {};
  try {
    // statements per call, counted by the server's TypeORM logger (BEGIN and COMMIT included)
    const get = () => fetch(`${installUrl}/switches`, { headers: bearer }).then((r) => r.text());
    counts['install-URL GET, first'] = (await statementsOf(server, get)).length;
    counts['install-URL GET, second'] = (await statementsOf(server, get)).length;
    counts['install-URL PUT'] = (await statementsOf(server, () => fetch(`${installUrl}/switches/on`, { method: 'PUT', headers: bearer }).then((r) => r.text()))).length;
    const introspect = () =>
      fetch(`${base}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ token: ready.accessToken }),
      }).then((r) => r.text());
    counts['introspection'] = (await statementsOf(server, introspect)).length;
    counts['introspection, again'] = (await statementsOf(server, introspect)).length;
    const refreshToken = ready.refreshTokens.pop()!;
    counts['refresh grant'] = (
      await statementsOf(server, () =>
        fetch(`${base}/oauth/token`, {
          method: 'POST',
          headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
          body: form({ grant_type: 'refresh_token', refresh_token: refreshToken }),
        }).then((r) => r.text()),
      )
    ).length;

    const sample = await fetch(`${installUrl}/switches`, { headers: bearer });
    const reply = { status: sample.status, headers: { 'content-type': sample.headers.get('content-type') ?? 'application/json' }, body: await sample.text() };
    if (!ceilingRps) {
      // the ceiling answers the very bytes of the install URL's GET
      const ceiling = Child.start('ceiling', [JSON.stringify(reply)]);
      const { port } = await ceiling.next<{ port: number }>();
      ceilingRps = (await load('node:http, same bytes (the ceiling)', '—', ceiling, { url: `http://127.0.0.1:${port}/switches`, headers: bearer })).rps;
      ceiling.proc.send('stop');
    }

    await load('install-URL GET /switches (10 granted)', db, server, { url: `${installUrl}/switches`, headers: bearer });
    await load('endpoints service', db, server, { url: `${base}/api/smartapps/endpoints`, headers: bearer });
    await load('introspection (ours)', db, server, {
      url: `${base}/oauth/introspect`,
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: ready.accessToken }),
    });
    if (db === 'SQLite') {
      // the peer right after ours, so both see the same machine load
      await peer();
    }
    // rotating chains: a request takes an unused refresh token from the pool, its reply puts the
    // next one back (autocannon clears a connection's context after each request)
    const pool = [...ready.refreshTokens];
    await load('refresh grant (rotating)', db, server, {
      url: `${base}/oauth/token`,
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      requests: [
        {
          setupRequest: (req, context: { token?: string }) => {
            context.token = pool.shift();
            return { ...req, body: form({ grant_type: 'refresh_token', refresh_token: context.token ?? '' }) };
          },
          onResponse: (status, body, context: { token?: string }) => {
            if (status === 200) {
              pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
            } else if (context.token) {
              console.error(`  refresh refused (${status}): ${body}`);
            }
          },
        },
      ],
    });

    // last: the PUTs' effects (events of ten switches) keep the server busy after the load stops
    await load('install-URL PUT /switches/on|off (10 granted)', db, server, {
      url: installUrl,
      headers: bearer,
      requests: [
        { method: 'PUT', path: `/api/smartapps/installations/${ready.installationId}/switches/on` },
        { method: 'PUT', path: `/api/smartapps/installations/${ready.installationId}/switches/off` },
      ],
    });
    if (LARGE > 0) {
      console.error(`  seeding ${LARGE} installations / ${LARGE * 10} tokens`);
      const seeded = await server.ask<{ ms: number; installations: number; tokens: number }>({ type: 'seed-large', installations: LARGE, tokensPerInstallation: 10 });
      counts['large seed, seconds'] = Math.round(seeded.ms / 1000);
      await load(`install-URL GET at ${seeded.installations.toLocaleString('en')} installations / ${seeded.tokens.toLocaleString('en')} tokens`, db, server, {
        url: `${installUrl}/switches`,
        headers: bearer,
      });
    }
    liveMemory.set(db, await server.ask<MemoryBreakdown>({ type: 'memory', gc: true }));
  } finally {
    await server.stop();
  }
  return counts;
}

async function peer(): Promise<void> {
  const oidc = Child.start('oidc-peer.mjs');
  const ready = await oidc.next<{ port: number; token: string; basic: string }>();
  await load('introspection, node-oidc-provider 8 (in memory)', '—', oidc, {
    url: `http://127.0.0.1:${ready.port}/token/introspection`,
    method: 'POST',
    headers: { authorization: `Basic ${ready.basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ token: ready.token }),
  });
  oidc.proc.send('stop');
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: join(__dirname, '..') }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'smartapp-bench-'));
  const counts: Record<string, Record<string, number>> = {};
  try {
    counts.SQLite = await platform('SQLite', `sqlite:${join(dir, 'bench.sqlite')}`);
    if (process.env.BENCH_DATABASE_URL) {
      counts.PostgreSQL = await platform('PostgreSQL', process.env.BENCH_DATABASE_URL);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const cpu = cpus();
  console.log(`## npm run bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit()}`);
  console.log(`\n${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}; autocannon ${CONNECTIONS} connections × ${DURATION} s on loopback (1 s warm-up each); run took ${fmt((Date.now() - started) / 1000)} s; load average at the end ${loadavg().map((l) => fmt(l, 1)).join(', ')}.\n`);
  console.log('| measurement | database | req/s | p50 ms | p99 ms | non-2xx | ratio to ceiling | server peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const ratio = fmt(r.rps / ceilingRps, 4);
    console.log(`| ${r.name} | ${r.db} | ${fmt(r.rps, r.rps < 100 ? 1 : 0)} | ${r.p50} | ${r.p99} | ${r.non2xx + r.errors} | ${ratio} | ${r.rssMiB === null ? '' : `${r.rssMiB} MiB`} |`);
  }
  const find = (prefix: string, db: string) => rows.find((r) => r.name.startsWith(prefix) && r.db === db);
  const ratios: string[] = [];
  for (const db of Object.keys(counts)) {
    const get = find('install-URL GET /switches', db);
    const large = find('install-URL GET at', db);
    const ours = find('introspection (ours)', db);
    const theirs = find('introspection, node-oidc-provider', '—');
    if (get) {
      ratios.push(`| ${db}: install-URL GET / ceiling | ${fmt(get.rps / ceilingRps, 4)} | ≥ 0.10, p99 ≤ 50 ms (p99 ${get.p99} ms) |`);
    }
    if (get && large) {
      ratios.push(`| ${db}: large database / small (req/s) | ${fmt(large.rps / get.rps, 2)} | ≥ 0.83 (within 1.2×) |`);
    }
    if (ours && theirs) {
      ratios.push(`| ${db}: introspection ours / node-oidc-provider | ${fmt(ours.rps / theirs.rps, 2)} | ≥ 1.0 |`);
    }
  }
  const pgGet = find('install-URL GET /switches', 'PostgreSQL');
  const sqliteGet = find('install-URL GET /switches', 'SQLite');
  if (pgGet && sqliteGet) {
    ratios.push(`| PostgreSQL / SQLite, install-URL GET | ${fmt(pgGet.rps / sqliteGet.rps, 2)} | ≥ 0.8 |`);
  }
  console.log('\n| ratio | value | target |\n|---|---|---|');
  console.log(ratios.join('\n'));
  console.log('\nThe platform server\'s memory right after each measurement, MiB (bench/memory.ts: WebAssembly memories are the QuickJS engines; "other" is the workers\' V8 heaps and malloc):\n');
  console.log('| measurement | database | RSS | peak | QuickJS memories (count) | main heap used / committed | main external | code | other |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const memoryRow = (name: string, db: string, m: MemoryBreakdown): string =>
    `| ${name} | ${db} | ${m.rssMiB} | ${m.peakMiB} | ${m.wasmResidentMiB} (${m.wasmMemories}) | ${m.mainHeapUsedMiB} / ${m.mainHeapCommittedMiB} | ${m.externalMiB} | ${m.codeMiB} | ${m.otherAnonymousMiB} |`;
  for (const r of rows) {
    if (r.memory) {
      console.log(memoryRow(r.name, r.db, r.memory));
    }
  }
  for (const [db, m] of liveMemory) {
    console.log(memoryRow('after the last measurement and a full GC (what is alive)', db, m));
  }
  const spaces = (m: MemoryBreakdown): string => Object.entries(m.mainSpaces).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log('\nThe main thread\'s heap by space (committed MiB):\n');
  rows.forEach((r) => r.memory && console.log(`- ${r.name} (${r.db}): ${spaces(r.memory)}`));
  liveMemory.forEach((m, db) => console.log(`- after a full GC (${db}): ${spaces(m)}`));
  console.log('\nSQL statements per call (BEGIN/COMMIT included), counted by the server:\n');
  const names = [...new Set(Object.values(counts).flatMap((c) => Object.keys(c)))];
  const dbs = Object.keys(counts);
  console.log(`| call | ${dbs.join(' | ')} |\n|---|${dbs.map(() => '---|').join('')}`);
  for (const name of names) {
    console.log(`| ${name} | ${dbs.map((db) => counts[db][name] ?? '').join(' | ')} |`);
  }
}

// The warm-sandbox figures (cold, warm and a plain function) and the fairness scenario (issue 11)
// run after, each in a process of its own so they never share the machine with the cases above.
// BENCH_FAIRNESS=0 skips them.
function runScript(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const { file, execArgv } = script(name);
    const child = spawn(process.execPath, [...execArgv, file], { stdio: 'inherit', env: process.env });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${String(code)}`))));
  });
}

async function mainThenFairness(): Promise<void> {
  await main();
  if (process.env.BENCH_FAIRNESS !== '0') {
    console.log('\n## Warm sandbox (bench/sandbox-warm.ts)\n');
    await runScript('sandbox-warm');
    console.log('\n## Fairness (bench/fairness.ts)\n');
    await runScript('fairness');
  }
}

mainThenFairness().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
