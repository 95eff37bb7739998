import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { SandboxExecutor } from '../src/sandbox/sandbox.executor';
import { DEFAULT_SANDBOX_LIMITS } from '../src/sandbox/sandbox.limits';
import type { RunRequest, Snapshot } from '../src/sandbox/sandbox.types';
const SOURCE = `
export default {
  definition: { name: 'Bench', namespace: 'bench', author: 'bench', description: 'bench' },
  handlers: {
    list(ctx) { return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') })) },
    one(ctx) { return 1 },
  },
}`;
const N_DEV = Number(process.env.NDEV ?? 10);
function snapshot(installationId: string): Snapshot {
  const dev = (i: number) => ({ id: `eaea2a02-0bb5-4e45-8bd5-f61c2f53d3${String(i).padStart(2, '0')}`, label: `Bench Switch ${i}`, name: 'Simulated Switch', capabilities: ['switch'], granted: [{ name: 'Switch', attributes: ['switch'], commands: ['on', 'off'] }],
    state: { switch: 'off' }, stateDates: { switch: '2026-12-02T16:40:50.361Z' }, commands: [{ name: 'on', args: [], sets: { attribute: 'switch', value: 'on' } }, { name: 'off', args: [], sets: { attribute: 'switch', value: 'off' } }] });
  const sun = Array.from({ length: 9 }, (_, i) => ({ start: `2026-12-0${i + 1}T00:00:00.000Z`, end: `2026-12-0${i + 2}T00:00:00.000Z`, sunrise: null, sunset: null }));
  return { installationId, settings: {}, deviceInputs: { switches: { multiple: true, devices: Array.from({ length: N_DEV }, (_, i) => dev(i)) }, locks: { multiple: true, devices: [] } },
    params: {}, body: null, headers: {}, state: {}, location: { id: '0fafadc8-0df7-4c8f-b0da-eec5027dc49b', name: 'Home', timeZone: 'Europe/London', mode: 'Home', modes: ['Home', 'Away', 'Night'], latitude: null, longitude: null, sun, utcOffsets: { 'Europe/London': 0, UTC: 0 } },
    now: new Date().toISOString(), atomicState: {}, app: { id: '9991a688-f817-4cf9-8d6b-ab896c0c5a91', label: 'Device Bridge', name: 'Device Bridge', subscriptions: [] } } as unknown as Snapshot;
}
async function main() {
  const ex = new SandboxExecutor(() => undefined);
  const req: RunRequest = { versionKey: 'v1', source: SOURCE, handler: { kind: 'mapping', name: process.env.H ?? 'list' }, snapshot: snapshot('i1'), owner: { installationId: 'i1', appId: 'a' } };
  const r = await ex.run(req, DEFAULT_SANDBOX_LIMITS, 'i1');
  if (!r.ok) throw new Error(JSON.stringify(r));
  const n = Number(process.env.N ?? 2000);
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now(); const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) { const x = await ex.run(req, DEFAULT_SANDBOX_LIMITS, 'i1'); if (!x.ok) throw new Error('fail'); }
    const c = process.cpuUsage(c0); console.log(`H=${process.env.H ?? 'list'} NDEV=${N_DEV}: ${((performance.now() - t0) / n).toFixed(3)} ms/call wall, ${((c.user + c.system) / 1000 / n).toFixed(3)} ms/call cpu`);
  }
}
main();
