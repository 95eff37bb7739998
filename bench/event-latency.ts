// Device change → signed callback received, on loopback, through the running events worker:
// the user switches a light (its own transaction), the outbox runs the subscribed handler, the
// handler's httpPostJson is sent. Run: npx ts-node --transpile-only bench/event-latency.ts
// Optional: BENCH_ROUNDS (default 200), BENCH_DATABASE_URL (default a temporary SQLite file).
import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventsWorker } from '../src/events/events-worker';
import { addDevice, install, publishApp, startReceiver, userCommand, verifySignature } from '../test/factories/events';
import { startTestApp } from '../test/helpers/test-app';

const FORWARDER = `
export default {
  definition: { name: 'Latency Probe', namespace: 'bench', author: 'Bench', description: 'forwards switch changes', category: 'Test' },
  preferences: [{ section: 'Where', inputs: [
    { name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: true },
    { name: 'url', type: 'text', title: 'Callback URL', required: true } ] }],
  mappings: {},
  installed(ctx) { ctx.subscribe(ctx.settings.switches, 'switch', 'onSwitch') },
  handlers: { onSwitch(ctx, evt) { ctx.httpPostJson(ctx.settings.url, { evt: { deviceId: evt.deviceId, name: evt.name, value: evt.value } }) } },
}`;

function describeDatabase(url: string): string {
  return url === 'sqlite::memory:' ? 'SQLite in memory' : url.startsWith('sqlite:') ? 'SQLite file' : 'PostgreSQL';
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const rounds = Math.max(1, Math.min(10000, Number(process.env.BENCH_ROUNDS ?? 200)));
  const file = join(tmpdir(), `smartapp-bench-${randomUUID()}.sqlite`);
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${file}`;
  const receiver = await startReceiver();
  const t = await startTestApp({ DATABASE_URL: databaseUrl, EVENTS_POLL_MS: '1000', EVENT_HANDLER_BUDGET: '100000' });
  try {
    const app = await publishApp(t, FORWARDER, { callbackPrefixes: [`${receiver.url}/`] });
    await addDevice(t, 'Bench Light', ['switch']);
    await install(t, app, [{ input: 'switches', device: 'Bench Light', capability: 'switch' }], { url: `${receiver.url}/events` });
    t.app.get(EventsWorker).start();

    const samples: number[] = [];
    // a few rounds to warm the sandbox and the query plans
    const warmup = 10;
    for (let i = 0; i < rounds + warmup; i++) {
      const started = process.hrtime.bigint();
      await userCommand(t, 'Bench Light', i % 2 === 0 ? 'on' : 'off');
      await receiver.arrived(i + 1);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (i >= warmup) {
        samples.push(ms);
      }
    }
    const bad = receiver.received.filter((r) => !verifySignature(app.webhookSecret, r.headers, r.body)).length;
    const sorted = [...samples].sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const fmt = (n: number) => n.toFixed(1);
    console.log(`event latency, device change → callback received (${describeDatabase(databaseUrl)}, ${rounds} rounds, loopback)`);
    console.log(`  mean ${fmt(mean)} ms   p50 ${fmt(percentile(sorted, 50))} ms   p95 ${fmt(percentile(sorted, 95))} ms   p99 ${fmt(percentile(sorted, 99))} ms   max ${fmt(sorted[sorted.length - 1])} ms`);
    console.log(`  ${receiver.received.length} callbacks received, ${bad} with a bad signature`);
  } finally {
    await t.close();
    await receiver.close();
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(`${file}${suffix}`, { force: true });
    }
  }
}

void main();
