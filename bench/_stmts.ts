import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { ServerReady } from './server';
async function main() {
  const child = fork(join(__dirname, 'server.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'], env: { ...process.env, BENCH_SERVER_DATABASE_URL: `sqlite:///tmp/quick-${process.pid}.db` }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<ServerReady>((resolve) => child.on('message', (m: ServerReady) => m.type === 'ready' && resolve(m)));
  const url = `http://127.0.0.1:${ready.port}/api/smartapps/installations/${ready.installationId}/switches`;
  const get = () => fetch(url, { headers: { authorization: `Bearer ${ready.accessToken}` } }).then((r) => r.text());
  const ask = (type: string, want: string) => new Promise<any>((resolve) => { const h = (m: any) => { if (m.type === want) { child.off('message', h); resolve(m); } }; child.on('message', h); child.send({ type }); });
  await get(); await get();
  await ask('count-start', 'counting'); console.log((await get()).slice(0, 200)); const c = await ask('count-stop', 'counted');
  console.log(c.statements.join('\n---\n'));
  child.send({ type: 'stop' });
}
main();
