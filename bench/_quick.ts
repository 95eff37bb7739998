import { fork } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { ServerReady } from './server';
async function main() {
  const prof = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  const child = fork(join(__dirname, 'server.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only', ...prof], env: { ...process.env, BENCH_SERVER_DATABASE_URL: `sqlite:///tmp/quick-${process.pid}.db` }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<ServerReady>((resolve) => child.on('message', (m: ServerReady) => m.type === 'ready' && resolve(m)));
  const url = `http://127.0.0.1:${ready.port}/api/smartapps/installations/${ready.installationId}/switches`;
  const { readFileSync } = await import('node:fs');
  const cpu = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
  const path = process.env.URLPATH;
  const opts = path && path !== 'introspect' ? { url: `http://127.0.0.1:${ready.port}${path}`, headers: { authorization: `Bearer ${ready.accessToken}` } } : path === 'introspect' ? { url: `http://127.0.0.1:${ready.port}/oauth/introspect`, method: 'POST' as const, body: `token=${ready.accessToken}`, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('device-bridge:device-bridge-secret').toString('base64')}` } } : { url, headers: { authorization: `Bearer ${ready.accessToken}` } };
  const i0 = cpu(); await new Promise((r) => setTimeout(r, 3000)); const bg = (cpu() - i0) / 3000;
  console.log(`idle server CPU ${(bg * 1000).toFixed(0)} ms/s`);
  for (const d of [1, Number(process.env.D ?? 5)]) {
    const c0 = cpu();
    const r = await autocannon({ ...opts, connections: 32, duration: d });
    const c1 = cpu();
    console.log(`${d}s: ${r.requests.average} req/s p50 ${r.latency.p50} p99 ${r.latency.p99} non2xx ${r.non2xx}; server CPU ${((c1 - c0) / (r.requests.total || 1)).toFixed(3)} ms/request, minus idle ${((c1 - c0 - bg * d * 1000) / (r.requests.total || 1)).toFixed(3)}`);
  }
  child.send({ type: 'stop' });
  await new Promise((r) => child.on('exit', r));
}
main();
