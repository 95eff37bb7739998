import { fork } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { ServerReady } from './server';
async function main() {
  const prof = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  const child = fork(join(__dirname, 'server.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only', ...prof], env: { ...process.env, BENCH_SERVER_DATABASE_URL: `sqlite:///tmp/quick-${process.pid}.db` }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<ServerReady>((resolve) => child.on('message', (m: ServerReady) => m.type === 'ready' && resolve(m)));
  const url = `http://127.0.0.1:${ready.port}/api/smartapps/installations/${ready.installationId}/switches`;
  for (const d of [1, Number(process.env.D ?? 5)]) {
    const r = await autocannon({ url, connections: 32, duration: d, headers: { authorization: `Bearer ${ready.accessToken}` } });
    console.log(`${d}s: ${r.requests.average} req/s p50 ${r.latency.p50} p99 ${r.latency.p99} non2xx ${r.non2xx}`);
  }
  child.send({ type: 'stop' });
  await new Promise((r) => child.on('exit', r));
}
main();
