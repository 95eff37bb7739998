import { EnginePool, QuickJsEngine } from './sandbox.engine';
import type { HostHooks } from './sandbox.failures';
import { LogCollector } from './sandbox.logs';
import type { EngineStats } from './sandbox.protocol';
import { executeInspect, executeRun, HttpErrorRecorder } from './sandbox.run';
import { VmSession } from './sandbox.session';
import type { InspectResult, RunRequest, SandboxLimits, SandboxResult } from './sandbox.types';

/** Where the executor reports what the platform's operators should see (it has no logger of its own in a worker). */
export type ExecutorReport = (level: 'warn' | 'error', message: string) => void;

/** Why a session died on the host side rather than inside QuickJS. */
function brokenEngineMessage(err: unknown): string {
  if (err instanceof RangeError) {
    return 'The SmartApp exhausted the sandbox stack (recursion or nesting too deep)';
  }
  return `The sandbox failed internally: ${err instanceof Error ? err.message : String(err)}`;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Runs SmartApp code in QuickJS on the current thread (a sandbox worker). Every inspect/run gets a
 * fresh QuickJS runtime and context, so nothing a SmartApp does (globals, prototypes, module-level
 * variables) is visible to any other call. Calls are synchronous once the engine is loaded.
 *
 * Evaluating the prelude is most of a fresh session's cost, so `prepareSpare` readies one spare
 * session (prelude evaluated, no SmartApp code run in it, never reused) for the engine last used.
 */
export class SandboxExecutor {
  private readonly engines = new EnginePool();
  private readonly spares = new Map<QuickJsEngine, VmSession>();
  private lastEngine: QuickJsEngine | undefined;
  private sparesUsed = 0;

  constructor(private readonly report: ExecutorReport) {}

  /** Evaluates a SmartApp module and returns its JSON parts. */
  async inspect(source: string, limits: SandboxLimits): Promise<InspectResult> {
    const noHooks: HostHooks = { log: () => undefined, httpError: () => undefined };
    return this.inSession(
      limits,
      noHooks,
      (session) => executeInspect(session, source),
      (message) => ({ ok: false, errors: [{ path: 'source', message }] }),
    );
  }

  /** Runs one handler under `limits` (already merged with the defaults). Never throws. */
  async run(req: RunRequest, limits: SandboxLimits): Promise<SandboxResult> {
    const logs = new LogCollector(limits.maxLogLines, limits.maxLogLineBytes);
    const httpError = new HttpErrorRecorder();
    const hooks: HostHooks = {
      log: (level, message) => logs.add(level, message),
      httpError: (status, message) => httpError.record(status, message),
    };
    return this.inSession(
      limits,
      hooks,
      (session) => executeRun(session, req, limits, logs, httpError),
      (message) => ({ ok: false, error: { kind: 'exception', message }, logs: logs.result() }),
    );
  }

  /** Readies a spare session for the engine of the last call, unless it has one. */
  prepareSpare(): void {
    const engine = this.lastEngine;
    if (!engine || this.spares.has(engine) || !this.engines.isCurrent(engine)) {
      return;
    }
    try {
      this.spares.set(engine, VmSession.prepare(engine));
    } catch (err) {
      this.discard(engine, `Discarded a QuickJS engine that failed to prepare a session: ${reason(err)}`);
    }
  }

  stats(): EngineStats {
    return { ...this.engines.stats(), spareSessionsUsed: this.sparesUsed };
  }

  private async inSession<T>(limits: SandboxLimits, hooks: HostHooks, body: (session: VmSession) => T, broken: (message: string) => T): Promise<T> {
    let engine: QuickJsEngine;
    try {
      engine = await this.engines.acquire(limits.memoryBytes);
    } catch (err) {
      this.report('error', `QuickJS could not be loaded: ${err instanceof Error ? err.stack : String(err)}`);
      return broken('The sandbox engine could not be loaded');
    }
    // No await from here on: sessions never interleave inside one engine, which the memory cap relies on.
    let session: VmSession;
    let result: T;
    try {
      session = this.takeSpare(engine) ?? VmSession.prepare(engine);
      session.arm(limits, hooks);
      result = body(session);
    } catch (err) {
      this.discard(engine, `Discarded a QuickJS engine after a host-side failure: ${reason(err)}`);
      return broken(brokenEngineMessage(err));
    }
    try {
      session.dispose();
    } catch (err) {
      // Only a leaked handle (a bug in this module) gets here; the result itself is still sound.
      this.discard(engine, `QuickJS session did not dispose cleanly: ${reason(err)}`);
      return result;
    }
    this.lastEngine = engine;
    return result;
  }

  private takeSpare(engine: QuickJsEngine): VmSession | undefined {
    const spare = this.spares.get(engine);
    if (spare) {
      this.spares.delete(engine);
      this.sparesUsed += 1;
    }
    return spare;
  }

  private discard(engine: QuickJsEngine, message: string): void {
    // The WebAssembly instance may have stopped mid-call: its memory can no longer be trusted or freed.
    this.engines.discard(engine);
    this.spares.delete(engine);
    if (this.lastEngine === engine) {
      this.lastEngine = undefined;
    }
    this.report('warn', message);
  }
}
