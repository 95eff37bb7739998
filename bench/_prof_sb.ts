import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { SandboxExecutor } from '../src/sandbox/sandbox.executor';
import { DEFAULT_SANDBOX_LIMITS } from '../src/sandbox/sandbox.limits';
import type { RunRequest, Snapshot } from '../src/sandbox/sandbox.types';
const SOURCE = process.env.SRC ? readFileSync(process.env.SRC, 'utf8') : `
export default {
  definition: { name: 'Bench', namespace: 'bench', author: 'bench', description: 'bench' },
  mappings: { '/switches': { GET: 'list' } },
  handlers: { list(ctx) { return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') })) } },
}`;
function snapshot(installationId: string): Snapshot {
  return { installationId, settings: {}, deviceInputs: { switches: { multiple: true, devices: Array.from({ length: 10 }, (_, i) => ({
    id: `sw-${i}`, label: `Switch ${i}`, capabilities: ['switch'], state: { switch: i % 2 === 0 ? 'on' : 'off' },
    commands: [ { name: 'on', args: [], sets: { attribute: 'switch', value: 'on' } }, { name: 'off', args: [], sets: { attribute: 'switch', value: 'off' } } ] })) } },
    params: {}, body: null, headers: {}, state: {}, location: { id: 'loc', name: 'Home', timeZone: 'UTC' }, now: new Date().toISOString() } as unknown as Snapshot;
}
async function main() {
  const ex = new SandboxExecutor(() => undefined);
  const req: RunRequest = { versionKey: 'v1', source: SOURCE, handler: { kind: 'mapping', name: process.env.H ?? 'list' }, snapshot: snapshot('i1'), owner: { installationId: 'i1', appId: 'a' } };
  const r = await ex.run(req, DEFAULT_SANDBOX_LIMITS as never, 'i1');
  if (!r.ok) throw new Error(JSON.stringify(r));
  const n = Number(process.env.N ?? 2000);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const x = await ex.run(req, DEFAULT_SANDBOX_LIMITS as never, 'i1'); if (!x.ok) throw new Error('fail'); }
  const dt = performance.now() - t0;
  console.log(`warm in-thread: ${(dt / n).toFixed(3)} ms/call`);
}
main();
