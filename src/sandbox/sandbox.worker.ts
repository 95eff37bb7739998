// Entry of one sandbox worker thread: it owns its QuickJS engines and serves one call at a time
// (the pool never sends a second call before the first is answered).
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SandboxExecutor } from './sandbox.executor';
import { collectGarbage } from './sandbox.worker-gc';
import { mergeMemoryPolicy, type SandboxMemoryPolicy } from './sandbox.pool-options';
import type { EngineStats, FromWorker, SandboxCallResult, ToWorker } from './sandbox.protocol';

const port = parentPort;
if (!port) {
  throw new Error('sandbox.worker must run in a worker thread');
}
const memory = mergeMemoryPolicy(workerData as Partial<SandboxMemoryPolicy> | undefined);
const send = (message: FromWorker): void => port.postMessage(message);
const executor = new SandboxExecutor((level, message) => send({ type: 'log', level, message }), memory.engineRetainBytes);


async function execute(call: ToWorker): Promise<SandboxCallResult> {
  switch (call.call) {
    case 'run':
      return { call: 'run', result: await executor.run(call.request, call.limits, call.warmKey) };
    case 'inspect':
      return { call: 'inspect', result: await executor.inspect(call.source, call.limits) };
  }
}

const sameStats = (a: EngineStats, b: EngineStats): boolean =>
  a.enginesCreated === b.enginesCreated && a.enginesDiscarded === b.enginesDiscarded && a.spareSessionsUsed === b.spareSessionsUsed && a.warmSessionsUsed === b.warmSessionsUsed;

let idleTimer: NodeJS.Timeout | undefined;

/** After `idleReleaseMs` without a call the worker lets go of its engines and warm sessions. */
function armIdleRelease(): void {
  clearTimeout(idleTimer);
  if (memory.idleReleaseMs <= 0) {
    return;
  }
  idleTimer = setTimeout(() => {
    if (executor.releaseAll() > 0) {
      collectGarbage();
    }
  }, memory.idleReleaseMs);
  idleTimer.unref();
}

port.on('message', (text: string) => {
  const call = JSON.parse(text) as ToWorker;
  clearTimeout(idleTimer);
  // a rejection here is a bug in the executor: left unhandled, it ends the worker and the pool replaces it
  const started = performance.now();
  void execute(call).then((result) => {
    const cpuMs = performance.now() - started;
    const stats = executor.stats();
    send({ type: 'done', id: call.id, result, stats, cpuMs });
    // after answering, so the caller never waits for it; the next call is only read once it is ready
    if (executor.trim() > 0) {
      collectGarbage();
    }
    executor.prepareSpare();
    const after = executor.stats();
    if (!sameStats(stats, after)) {
      send({ type: 'stats', stats: after });
    }
    armIdleRelease();
  });
});

send({ type: 'ready' });
