import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EnginePool, QuickJsEngine } from './sandbox.engine';
import { DEFAULT_SANDBOX_LIMITS, mergeLimits, SANDBOX_LIMITS } from './sandbox.limits';
import { LogCollector } from './sandbox.logs';
import { executeInspect, executeRun, HttpErrorRecorder } from './sandbox.run';
import type { HostHooks } from './sandbox.failures';
import { VmSession } from './sandbox.session';
import type { InspectResult, RunRequest, SandboxLimits, SandboxResult } from './sandbox.types';

export { DEFAULT_SANDBOX_LIMITS, SANDBOX_LIMITS } from './sandbox.limits';

/** Why a session died on the host side rather than inside QuickJS. */
function brokenEngineMessage(err: unknown): string {
  if (err instanceof RangeError) {
    return 'The SmartApp exhausted the sandbox stack (recursion or nesting too deep)';
  }
  return `The sandbox failed internally: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Runs SmartApp code in QuickJS (WebAssembly). Every inspect/run gets a fresh QuickJS runtime
 * and context, so nothing a SmartApp does (globals, prototypes, module-level variables) is
 * visible to any other call. Calls are synchronous once the engine is loaded: a run blocks the
 * event loop for at most about `cpuMs`.
 *
 * Evaluating the prelude is most of a fresh session's cost, so after each call one spare session
 * (prelude evaluated, no SmartApp code run in it, never reused) is prepared in the background.
 */
@Injectable()
export class SandboxService {
  private readonly logger = new Logger(SandboxService.name);
  private readonly defaults: SandboxLimits;
  private readonly engines = new EnginePool();
  private readonly spares = new Map<QuickJsEngine, VmSession>();
  private sparesUsed = 0;

  constructor(@Optional() @Inject(SANDBOX_LIMITS) limits?: Partial<SandboxLimits>) {
    this.defaults = mergeLimits(DEFAULT_SANDBOX_LIMITS, limits);
  }

  /** The limits a run gets when its request sets none. */
  get defaultLimits(): SandboxLimits {
    return { ...this.defaults };
  }

  /** Evaluates a SmartApp module (under the default limits) and returns its JSON parts. */
  async inspect(source: string): Promise<InspectResult> {
    const noHooks: HostHooks = { log: () => undefined, httpError: () => undefined };
    return this.inSession(
      this.defaults,
      noHooks,
      (session) => executeInspect(session, source),
      (message) => ({ ok: false, errors: [{ path: 'source', message }] }),
    );
  }

  /** Runs one handler against a snapshot and returns its effects, or why it failed. Never throws. */
  async run(req: RunRequest): Promise<SandboxResult> {
    const limits = mergeLimits(this.defaults, req.limits);
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

  /** Counters for monitoring: a discarded engine means a session broke on the host side. */
  stats(): { enginesCreated: number; enginesDiscarded: number; spareSessionsUsed: number } {
    return { ...this.engines.stats(), spareSessionsUsed: this.sparesUsed };
  }

  private async inSession<T>(limits: SandboxLimits, hooks: HostHooks, body: (session: VmSession) => T, broken: (message: string) => T): Promise<T> {
    let engine: QuickJsEngine;
    try {
      engine = await this.engines.acquire(limits.memoryBytes);
    } catch (err) {
      this.logger.error(`QuickJS could not be loaded: ${err instanceof Error ? err.stack : String(err)}`);
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
      this.discard(engine, `Discarded a QuickJS engine after a host-side failure: ${err instanceof Error ? err.message : String(err)}`);
      return broken(brokenEngineMessage(err));
    }
    try {
      session.dispose();
    } catch (err) {
      // Only a leaked handle (a bug in this module) gets here; the result itself is still sound.
      this.discard(engine, `QuickJS session did not dispose cleanly: ${err instanceof Error ? err.message : String(err)}`);
      return result;
    }
    this.prepareSpareSoon(engine);
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

  private prepareSpareSoon(engine: QuickJsEngine): void {
    const timer = setImmediate(() => {
      if (this.spares.has(engine) || !this.engines.isCurrent(engine)) {
        return;
      }
      try {
        this.spares.set(engine, VmSession.prepare(engine));
      } catch (err) {
        this.discard(engine, `Discarded a QuickJS engine that failed to prepare a session: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    // a spare is an optimisation: it must never keep the process alive
    timer.unref();
  }

  private discard(engine: QuickJsEngine, reason: string): void {
    // The WebAssembly instance may have stopped mid-call: its memory can no longer be trusted or freed.
    this.engines.discard(engine);
    this.spares.delete(engine);
    this.logger.warn(reason);
  }
}
