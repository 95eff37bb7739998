// A sandbox call cold (fresh QuickJS context, module evaluated) against warm (the installation's
// session, module already loaded) and a plain function call; then throughput over all workers.
// Standalone: node -r ts-node/register/transpile-only bench/sandbox-warm.ts
// Numbers go into docs/performance.md ("Warm sandbox"); tests never assert on time.
import 'reflect-metadata';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SandboxService } from '../src/sandbox/sandbox.service';
import type { RunRequest, Snapshot } from '../src/sandbox/sandbox.types';

const SOURCE = `
export default {
  definition: { name: 'Bench', namespace: 'bench', author: 'bench', description: 'bench' },
  mappings: { '/switches': { GET: 'list' } },
  handlers: {
    list(ctx) { return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') })) },
  },
}`;

function snapshot(installationId: string): Snapshot {
  return {
    installationId,
    settings: {},
    deviceInputs: {
      switches: {
        multiple: true,
        devices: Array.from({ length: 10 }, (_, i) => ({
          id: `sw-${i}`,
          label: `Switch ${i}`,
          capabilities: ['switch'],
          state: { switch: i % 2 === 0 ? 'on' : 'off' },
          commands: [
            { name: 'on', args: [], sets: { attribute: 'switch', value: 'on' } },
            { name: 'off', args: [], sets: { attribute: 'switch', value: 'off' } },
          ],
        })),
      },
    },
    params: {},
    body: null,
    headers: {},
    state: {},
    location: { id: 'loc', name: 'Home', timeZone: 'UTC' },
    now: new Date().toISOString(),
  };
}

const request = (installationId: string, warm: boolean): RunRequest => ({
  versionKey: 'bench-v1',
  source: SOURCE,
  handler: { kind: 'mapping', name: 'list' },
  snapshot: snapshot(installationId),
  owner: warm ? { installationId, appId: 'bench-app' } : undefined,
});

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  return `| ${name} | ${samples.length} | ${quantile(sorted, 0.5).toFixed(3)} ms | ${quantile(sorted, 0.99).toFixed(3)} ms | ${(samples.length / (total / 1000)).toFixed(0)} |`;
}

async function sequential(n: number, work: (i: number) => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    await work(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function throughput(service: SandboxService, warm: boolean, installations: number, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let calls = 0;
  // two callers per worker keep every worker busy
  const callers = Array.from({ length: installations }, async (_, i) => {
    while (performance.now() < until) {
      const result = await service.run(request(`inst-${i}`, warm));
      if (!result.ok) {
        throw new Error(`bench call failed: ${result.error.message}`);
      }
      calls += 1;
    }
  });
  await Promise.all(callers);
  return calls / seconds;
}

async function main(): Promise<void> {
  const workers = Number(process.env.SANDBOX_WORKERS ?? availableParallelism());
  // no CPU budget here: this measures the sandbox, not the fairness rules
  const service = new SandboxService(undefined, { workers, fairness: { installationCpuMsPerWindow: 0, appCpuMsPerWindow: 0 } });
  const plain = (s: Snapshot): unknown => Object.values(s.deviceInputs.switches.devices).map((d) => ({ id: d.id, name: d.label, value: d.state.switch }));
  // start the workers and their engines
  await Promise.all(Array.from({ length: workers * 2 }, (_, i) => service.run(request(`warmup-${i}`, false))));

  const n = Number(process.env.BENCH_CALLS ?? 500);
  const rows = [
    summary('plain function call (same work, no sandbox)', await sequential(n, () => plain(snapshot('p')))),
    summary('sandbox call, cold (fresh context, module evaluated)', await sequential(n, () => service.run(request('cold', false)))),
    summary('sandbox call, warm (installation session, module loaded)', await sequential(n, () => service.run(request('warm', true)))),
  ];
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const coldRate = await throughput(service, false, workers * 2, seconds);
  const warmRate = await throughput(service, true, workers * 2, seconds);
  await service.onModuleDestroy();

  console.log(`\nSandbox, ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ${workers} workers, Node ${process.version}\n`);
  console.log('| one call after another | calls | p50 | p99 | calls/s |');
  console.log('|---|---|---|---|---|');
  rows.forEach((r) => console.log(r));
  console.log(`\n| all workers busy (${workers * 2} callers, ${seconds} s) | calls/s |\n|---|---|`);
  console.log(`| cold | ${coldRate.toFixed(0)} |`);
  console.log(`| warm | ${warmRate.toFixed(0)} |`);
  console.log(`\nwarm sessions served: ${service.stats().warmSessionsUsed}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
