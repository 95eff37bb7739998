import { EnginePool, QuickJsEngine } from './sandbox.engine';
import { type HostHooks, NO_REQUEST_HOOKS } from './sandbox.failures';
import { RunHttp } from './sandbox.http';
import { LogCollector } from './sandbox.logs';
import { DEFAULT_SANDBOX_MEMORY } from './sandbox.pool-options';
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

/** Warm sessions one worker keeps (least recently used dropped first); each holds a QuickJS runtime with its module. */
const MAX_WARM_SESSIONS = 16;

interface WarmEntry {
  session: VmSession;
  versionKey: string;
  engine: QuickJsEngine;
  memoryBytes: number;
}


/**
 * Runs SmartApp code in QuickJS on the current thread (a sandbox worker). An inspect, and a run
 * without a warm key, gets a fresh QuickJS runtime and context; a run with a warm key (its
 * installation) may reuse that installation's session, module loaded, so its globals and
 * module-level values persist between its own calls but are never visible to another installation.
 * Calls are synchronous once the engine is loaded.
 *
 * Evaluating the prelude is most of a fresh session's cost, so `prepareSpare` readies one spare
 * session (prelude evaluated, no SmartApp code run in it, never reused) for the engine last used.
 *
 * A WebAssembly memory never shrinks: what one call allocated stays resident in its engine for good.
 * So `trim` lets go of an engine that grew past `engineRetainBytes` (its spare and warm sessions go
 * with it, the next call builds a new engine in a few milliseconds), and `releaseAll` lets go of every
 * engine and session of an idle worker. Either way the memory returns once V8 collects the engine.
 */
export class SandboxExecutor {
  private readonly engines = new EnginePool();
  private readonly spares = new Map<QuickJsEngine, VmSession>();
  private readonly warm = new Map<string, WarmEntry>();
  private lastEngine: QuickJsEngine | undefined;
  private sparesUsed = 0;
  private warmUsed = 0;

  constructor(
    private readonly report: ExecutorReport,
    private readonly engineRetainBytes: number = DEFAULT_SANDBOX_MEMORY.engineRetainBytes,
  ) {}

  /** Evaluates a SmartApp module and returns its JSON parts. */
  async inspect(source: string, limits: SandboxLimits): Promise<InspectResult> {
    const noHooks: HostHooks = { log: () => undefined, httpError: () => undefined, ...NO_REQUEST_HOOKS };
    return this.inSession(
      limits,
      noHooks,
      (session) => executeInspect(session, source),
      (message) => ({ ok: false, errors: [{ path: 'source', message }] }),
    );
  }

  /**
   * Runs one handler under `limits` (already merged with the defaults). Never throws.
   * With `warmKey` (an installation id) the session is kept for that key's next call of the same
   * version: its module stays loaded, its globals stay; it never serves another key.
   */
  async run(req: RunRequest, limits: SandboxLimits, warmKey?: string): Promise<SandboxResult> {
    if (warmKey === undefined) {
      return this.runOnce(req, limits, undefined);
    }
    const result = await this.runOnce(req, limits, warmKey);
    // Warm sessions of other installations share this engine's memory cap: a memory kill while they
    // held some is retried once with the engine to itself. Handlers are pure (a snapshot in, effects
    // out), so running one again is safe.
    if (!result.ok && result.error.kind === 'memory' && this.evictWarm(limits.memoryBytes) > 0) {
      return this.runOnce(req, limits, warmKey);
    }
    return result;
  }

  private async runOnce(req: RunRequest, limits: SandboxLimits, warmKey: string | undefined): Promise<SandboxResult> {
    const logs = new LogCollector(limits.maxLogLines, limits.maxLogLineBytes);
    const httpError = new HttpErrorRecorder();
    const http = new RunHttp(req.http);
    const hooks: HostHooks = {
      log: (level, message) => logs.add(level, message),
      httpError: (status, message) => httpError.record(status, message),
      request: (params) => http.request(params),
      outstanding: () => http.outstanding(),
      nextAnswer: (ms) => http.nextAnswer(ms),
    };
    // only a clean run leaves a session worth keeping (a failure may have left the module half-done)
    const warm = warmKey === undefined ? undefined : { key: warmKey, versionKey: req.versionKey, keep: (result: SandboxResult) => result.ok };
    try {
      const result = await this.inSession(
        limits,
        hooks,
        (session, moduleLoaded) => executeRun(session, req, limits, logs, httpError, moduleLoaded),
        (message): SandboxResult => ({ ok: false, error: { kind: 'exception', message }, logs: logs.result() }),
        warm,
      );
      const requests = http.log();
      return result.ok && requests.length > 0 ? { ok: true, effects: { ...result.effects, requests } } : result;
    } finally {
      http.close();
    }
  }

  /** Disposes every warm session of the engine for `memoryBytes`; returns how many there were. */
  private evictWarm(memoryBytes: number): number {
    let evicted = 0;
    for (const [key, entry] of this.warm) {
      if (entry.memoryBytes === memoryBytes) {
        this.warm.delete(key);
        this.disposeQuietly(entry.session);
        evicted += 1;
      }
    }
    return evicted;
  }

  /** Warm sessions held now (for tests and monitoring). */
  warmSessions(): number {
    return this.warm.size;
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

  /** Lets go of every engine whose memory grew past the retain size; returns how many. */
  trim(): number {
    const grown = this.engines.current().filter((engine) => engine.memoryBytes() > this.engineRetainBytes);
    grown.forEach((engine) => this.release(engine));
    return grown.length;
  }

  /** Lets go of every engine with its spare and warm sessions (an idle worker); returns how many engines. */
  releaseAll(): number {
    const engines = this.engines.current();
    engines.forEach((engine) => this.release(engine));
    return engines.length;
  }

  /** WebAssembly memory held by the engines now, in bytes (for tests and monitoring). */
  engineMemoryBytes(): number {
    return this.engines.current().reduce((total, engine) => total + engine.memoryBytes(), 0);
  }

  stats(): EngineStats {
    return { ...this.engines.stats(), spareSessionsUsed: this.sparesUsed, warmSessionsUsed: this.warmUsed };
  }

  private async inSession<T>(
    limits: SandboxLimits,
    hooks: HostHooks,
    body: (session: VmSession, moduleLoaded: boolean) => T | Promise<T>,
    broken: (message: string) => T,
    warm?: { key: string; versionKey: string; keep: (result: T) => boolean },
  ): Promise<T> {
    let engine: QuickJsEngine;
    try {
      engine = await this.engines.acquire(limits.memoryBytes);
    } catch (err) {
      this.report('error', `QuickJS could not be loaded: ${err instanceof Error ? err.stack : String(err)}`);
      return broken('The sandbox engine could not be loaded');
    }
    // Sessions never interleave inside one engine, which the memory cap relies on: a worker serves one
    // call at a time, so the only await below (a handler waiting for its HTTP answers) keeps that.
    let session: VmSession;
    let result: T;
    const reused = warm ? this.takeWarm(warm.key, warm.versionKey, engine, limits.memoryBytes) : undefined;
    try {
      session = reused ?? this.takeSpare(engine) ?? VmSession.prepare(engine);
      session.arm(limits, hooks);
      result = await body(session, reused !== undefined);
    } catch (err) {
      this.discard(engine, `Discarded a QuickJS engine after a host-side failure: ${reason(err)}`);
      return broken(brokenEngineMessage(err));
    }
    this.lastEngine = engine;
    if (warm && warm.keep(result) && !session.exceededLimit()) {
      this.keepWarm(warm.key, { session, versionKey: warm.versionKey, engine, memoryBytes: limits.memoryBytes });
      return result;
    }
    try {
      session.dispose();
    } catch (err) {
      // Only a leaked handle (a bug in this module) gets here; the result itself is still sound.
      this.discard(engine, `QuickJS session did not dispose cleanly: ${reason(err)}`);
      return result;
    }
    return result;
  }

  /** The warm session of `key` if it has `versionKey` loaded on `engine`; any other session of `key` is dropped. */
  private takeWarm(key: string, versionKey: string, engine: QuickJsEngine, memoryBytes: number): VmSession | undefined {
    const entry = this.warm.get(key);
    if (!entry) {
      return undefined;
    }
    this.warm.delete(key);
    if (entry.versionKey === versionKey && entry.engine === engine && entry.memoryBytes === memoryBytes) {
      this.warmUsed += 1;
      return entry.session;
    }
    this.disposeQuietly(entry.session);
    return undefined;
  }

  private keepWarm(key: string, entry: WarmEntry): void {
    entry.session.disarm();
    this.warm.set(key, entry);
    // least recently used first: Map keeps insertion order
    while (this.warm.size > MAX_WARM_SESSIONS) {
      const [oldestKey, oldest] = this.warm.entries().next().value as [string, WarmEntry];
      this.warm.delete(oldestKey);
      this.disposeQuietly(oldest.session);
    }
  }

  private disposeQuietly(session: VmSession): void {
    try {
      session.dispose();
    } catch (err) {
      this.report('warn', `A warm QuickJS session did not dispose cleanly: ${reason(err)}`);
    }
  }

  private takeSpare(engine: QuickJsEngine): VmSession | undefined {
    const spare = this.spares.get(engine);
    if (spare) {
      this.spares.delete(engine);
      this.sparesUsed += 1;
    }
    return spare;
  }

  /** Drops a sound engine and every session in it; its memory is freed when V8 collects them. */
  private release(engine: QuickJsEngine): void {
    this.engines.release(engine);
    this.forgetSessions(engine);
  }

  private forgetSessions(engine: QuickJsEngine): void {
    this.spares.delete(engine);
    for (const [key, entry] of this.warm) {
      if (entry.engine === engine) {
        this.warm.delete(key);
      }
    }
    if (this.lastEngine === engine) {
      this.lastEngine = undefined;
    }
  }

  private discard(engine: QuickJsEngine, message: string): void {
    // The WebAssembly instance may have stopped mid-call: its memory can no longer be trusted or freed.
    this.engines.discard(engine);
    this.forgetSessions(engine);
    this.report('warn', message);
  }
}
