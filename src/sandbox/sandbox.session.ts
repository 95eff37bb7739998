import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { QuickJsEngine } from './sandbox.engine';
import {
  type DescribedThrow,
  failed,
  type HostHooks,
  lineInModule,
  NO_REQUEST_HOOKS,
  mebibytes,
  MODULE_FILENAME,
  ok,
  type Outcome,
  parseDescribedThrow,
  type VmFailure,
  withoutPreludeFrames,
} from './sandbox.failures';
import { PRELUDE_FILENAME, PRELUDE_SOURCE } from './sandbox.prelude';
import { DeviceShapes } from './sandbox.device-shapes';
import type { HandlerRef, SandboxLimits, Snapshot } from './sandbox.types';

// QuickJS measures its stack in the WebAssembly shadow stack, but deep recursion also consumes
// Node's native stack through the wasm frames. 256 KiB keeps ordinary recursion a catchable
// InternalError well before Node's ~1 MiB native stack runs out; the few native-heavy paths that
// can still exhaust it (e.g. JSON.stringify of extremely deep nesting) are handled by the service.
const MAX_STACK_BYTES = 256 * 1024;

interface Armed {
  limits: SandboxLimits;
  deadline: number;
  exhaustionsAtStart: number;
  hooks: HostHooks;
}

const IDLE_HOOKS: HostHooks = { log: () => undefined, httpError: () => undefined, ...NO_REQUEST_HOOKS };
// evaluating the prelude runs no SmartApp code; this only guards against a bug in it
const PREPARE_DEADLINE_MS = 5000;

/**
 * One QuickJS runtime + context with the prelude installed, serving one inspect or run at a time.
 * It may be prepared ahead of time (no SmartApp code has run in it then) and is armed with the
 * call's limits and host hooks when the call starts; a warm session (one installation's, its module
 * loaded) is disarmed after a clean call and armed again for that installation's next call.
 * Every method is synchronous.
 * Host-level exceptions (a broken engine, a native stack overflow) propagate to the caller.
 */
export class VmSession {
  private interrupted = false;
  private armed: Armed | undefined;
  private readonly prepareDeadline = performance.now() + PREPARE_DEADLINE_MS;
  private api: QuickJSHandle | undefined;
  private readonly deviceShapes = new DeviceShapes();

  private constructor(
    private readonly engine: QuickJsEngine,
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
  ) {}

  /** A fresh runtime and context with the prelude evaluated, not yet bound to any call. */
  static prepare(engine: QuickJsEngine): VmSession {
    const runtime = engine.module.newRuntime();
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    const vm = runtime.newContext();
    const session = new VmSession(engine, runtime, vm);
    runtime.setInterruptHandler(() => session.shouldInterrupt());
    session.installPrelude();
    return session;
  }

  /** Starts the call's clock and binds its limits and host hooks. */
  arm(limits: SandboxLimits, hooks: HostHooks): void {
    if (this.armed) {
      throw new Error('A sandbox session serves one call at a time');
    }
    if (this.interrupted) {
      throw new Error('A sandbox session that hit its deadline cannot serve another call');
    }
    // bounds single allocations only (see QuickJsEngine); the engine's memory cap bounds the total
    this.runtime.setMemoryLimit(limits.memoryBytes);
    this.armed = { limits, hooks, deadline: performance.now() + limits.cpuMs, exhaustionsAtStart: this.engine.memoryExhaustions() };
  }

  /** Evaluates the SmartApp as an ES module and hands its default export to the prelude. */
  loadModule(source: string): Outcome<void> {
    this.armedCall();
    const evaluated = this.vm.evalCode(source, MODULE_FILENAME, { type: 'module' });
    if (evaluated.error) {
      return this.failWith(evaluated.error);
    }
    const namespace = this.settle(evaluated.value, "The module's top-level await never settles");
    if (!namespace.ok) {
      return namespace;
    }
    const problem = this.callForString('adopt', [namespace.value]);
    namespace.value.dispose();
    if (!problem.ok) {
      return problem;
    }
    return problem.value === '' ? ok(undefined) : failed({ kind: 'exception', message: problem.value });
  }

  describeApp(): Outcome<string> {
    return this.callForString('describeApp', []);
  }

  /**
   * Calls the handler and waits for it, its promise, any jobs it queued and any request it started
   * (answered by the host while the VM waits, all under the call's deadline).
   * The value handle (undefined for a lifecycle the app lacks) belongs to the caller.
   */
  async callHandler(handler: HandlerRef, snapshot: Snapshot): Promise<Outcome<QuickJSHandle>> {
    const { maxLogLines, maxLogLineBytes, maxResultBytes } = this.armedCall().limits;
    const slim = this.deviceShapes.slim(snapshot);
    const started = this.call('start', [handler.kind, handler.name, slim.json, JSON.stringify({ maxLogLines, maxLogLineBytes, maxResultBytes })]);
    if (!started.ok) {
      return started;
    }
    slim.taken();
    const settled = await this.settleAsync(started.value, 'The handler returned a promise that never settles');
    if (!settled.ok) {
      return settled;
    }
    const drained = await this.drainAsync();
    if (!drained.ok) {
      settled.value.dispose();
      return drained;
    }
    return settled;
  }

  /** Serialises the run's records; consumes `value` (pass undefined for "no response value"). */
  finish(value: QuickJSHandle | undefined): Outcome<string> {
    const argument = value ?? this.vm.undefined;
    const result = this.callForString('finish', [argument]);
    value?.dispose();
    return result;
  }

  /** A limit the session has hit so far, even if the SmartApp caught the error it caused. */
  exceededLimit(): VmFailure | undefined {
    const { limits, exhaustionsAtStart } = this.armedCall();
    if (this.interrupted) {
      return { kind: 'timeout', message: `Execution exceeded the CPU limit of ${limits.cpuMs} ms` };
    }
    if (this.engine.memoryExhaustions() > exhaustionsAtStart) {
      return { kind: 'memory', message: `Execution exceeded the memory limit of ${mebibytes(limits.memoryBytes)}` };
    }
    return undefined;
  }

  /**
   * Ends the current call so a warm session can serve its installation's next one. Only for a
   * session whose call hit no limit; globals and module-level values of the SmartApp stay.
   */
  disarm(): void {
    this.armed = undefined;
  }

  dispose(): void {
    this.api?.dispose();
    this.vm.dispose();
    this.runtime.dispose();
  }

  private armedCall(): Armed {
    if (!this.armed) {
      throw new Error('The sandbox session was used before it was armed');
    }
    return this.armed;
  }

  private shouldInterrupt(): boolean {
    const deadline = this.armed ? this.armed.deadline : this.prepareDeadline;
    if (!this.interrupted && performance.now() > deadline) {
      this.interrupted = true;
    }
    return this.interrupted;
  }

  private installPrelude(): void {
    const hooks = (): HostHooks => this.armed?.hooks ?? IDLE_HOOKS;
    const readString = (handle: QuickJSHandle): string => (this.vm.typeof(handle) === 'string' ? this.vm.getString(handle) : '');
    const readNumber = (handle: QuickJSHandle): number => (this.vm.typeof(handle) === 'number' ? this.vm.getNumber(handle) : Number.NaN);
    const hostLog = this.vm.newFunction('hostLog', (level, message) => {
      hooks().log(readString(level), readString(message));
    });
    const hostHttpError = this.vm.newFunction('hostHttpError', (status, message) => {
      hooks().httpError(readNumber(status), readString(message));
    });
    const hostRequest = this.vm.newFunction('hostRequest', (params) => this.vm.newString(hooks().request(readString(params))));
    try {
      const factory = this.vm.evalCode(PRELUDE_SOURCE, PRELUDE_FILENAME, { type: 'global', strict: true });
      if (factory.error) {
        const message: unknown = this.vm.dump(factory.error);
        factory.error.dispose();
        throw new Error(`The sandbox prelude failed to evaluate: ${JSON.stringify(message)}`);
      }
      const api = this.vm.callFunction(factory.value, this.vm.undefined, hostLog, hostHttpError, hostRequest);
      factory.value.dispose();
      if (api.error) {
        const message: unknown = this.vm.dump(api.error);
        api.error.dispose();
        throw new Error(`The sandbox prelude failed to start: ${JSON.stringify(message)}`);
      }
      this.api = api.value;
    } finally {
      hostLog.dispose();
      hostHttpError.dispose();
      hostRequest.dispose();
    }
  }

  private call(name: string, args: (string | QuickJSHandle)[]): Outcome<QuickJSHandle> {
    const result = this.invoke(name, args);
    return 'error' in result ? this.failWith(result.error) : ok(result.value);
  }

  /** Calls a prelude function; a thrown value comes back as an undisposed handle. */
  private invoke(name: string, args: (string | QuickJSHandle)[]): { value: QuickJSHandle } | { error: QuickJSHandle } {
    if (!this.api) {
      throw new Error('The sandbox prelude is not installed');
    }
    const fn = this.vm.getProp(this.api, name);
    const created: QuickJSHandle[] = [];
    const handles = args.map((arg) => {
      if (typeof arg !== 'string') {
        return arg;
      }
      const handle = this.vm.newString(arg);
      created.push(handle);
      return handle;
    });
    try {
      const result = this.vm.callFunction(fn, this.vm.undefined, handles);
      return result.error ? { error: result.error } : { value: result.value };
    } finally {
      created.forEach((handle) => handle.dispose());
      fn.dispose();
    }
  }

  private callForString(name: string, args: (string | QuickJSHandle)[]): Outcome<string> {
    const result = this.call(name, args);
    if (!result.ok) {
      return result;
    }
    const text = this.vm.typeof(result.value) === 'string' ? this.vm.getString(result.value) : undefined;
    result.value.dispose();
    return text === undefined ? failed({ kind: 'exception', message: `The sandbox prelude's ${name} returned no text` }) : ok(text);
  }

  /** Resolves `handle` if it is a promise by running QuickJS jobs (still under the deadline); consumes it. */
  private settle(handle: QuickJSHandle, neverSettles: string): Outcome<QuickJSHandle> {
    for (;;) {
      const state = this.vm.getPromiseState(handle);
      if (state.type === 'fulfilled') {
        if (state.notAPromise) {
          return ok(handle);
        }
        handle.dispose();
        return ok(state.value);
      }
      if (state.type === 'rejected') {
        handle.dispose();
        return this.failWith(state.error);
      }
      if (!this.runtime.hasPendingJob()) {
        handle.dispose();
        // an interrupt at the deadline can end a job without rejecting its promise: that is the deadline, not a hang
        return failed(this.exceededLimit() ?? { kind: 'exception', message: `${neverSettles}: nothing is left to run (the sandbox has no timers or I/O to wait for)` });
      }
      const ran = this.runtime.executePendingJobs();
      if (ran.error) {
        handle.dispose();
        return this.failWith(ran.error);
      }
    }
  }

  /** Like settle, but waits for the host's answers to outstanding requests until the deadline. */
  private async settleAsync(handle: QuickJSHandle, neverSettles: string): Promise<Outcome<QuickJSHandle>> {
    for (;;) {
      const state = this.vm.getPromiseState(handle);
      if (state.type !== 'pending' || this.armedCall().hooks.outstanding() === 0) {
        if (state.type === 'fulfilled' && !state.notAPromise) {
          state.value.dispose();
        } else if (state.type === 'rejected') {
          state.error.dispose();
        }
        return this.settle(handle, neverSettles);
      }
      const step = this.runtime.hasPendingJob() ? this.runJobs() : await this.awaitAnswer();
      if (!step.ok) {
        handle.dispose();
        return step;
      }
    }
  }

  private runJobs(): Outcome<void> {
    const ran = this.runtime.executePendingJobs();
    return ran.error ? this.failWith(ran.error) : ok(undefined);
  }

  /** Runs queued jobs and waits for outstanding requests (a classic callback nobody awaits still runs). */
  private async drainAsync(): Promise<Outcome<void>> {
    for (;;) {
      const drained = this.drainJobs();
      if (!drained.ok || this.armedCall().hooks.outstanding() === 0) {
        return drained;
      }
      const answered = await this.awaitAnswer();
      if (!answered.ok) {
        return answered;
      }
    }
  }

  /** Hands the next answer to the prelude; past the deadline the call is over (a timeout, like a busy loop). */
  private async awaitAnswer(): Promise<Outcome<void>> {
    const { hooks, deadline, limits } = this.armedCall();
    const answer = await hooks.nextAnswer(Math.max(0, deadline - performance.now()));
    if (!answer) {
      this.interrupted = true;
      return failed({ kind: 'timeout', message: `Execution exceeded the time limit of ${limits.cpuMs} ms while waiting for an HTTP response` });
    }
    const id = this.vm.newNumber(answer.id);
    try {
      const responded = this.call('respond', [id, answer.json]);
      if (!responded.ok) {
        return responded;
      }
      responded.value.dispose();
      return ok(undefined);
    } finally {
      id.dispose();
    }
  }

  private drainJobs(): Outcome<void> {
    while (this.runtime.hasPendingJob()) {
      const ran = this.runtime.executePendingJobs();
      if (ran.error) {
        return this.failWith(ran.error);
      }
    }
    return ok(undefined);
  }

  /** Turns a thrown VM value into a failure; consumes the handle. */
  private failWith<T>(thrown: QuickJSHandle): Outcome<T> {
    const limit = this.exceededLimit();
    if (limit) {
      thrown.dispose();
      return failed(limit);
    }
    const described = this.describeThrow(thrown);
    thrown.dispose();
    // describing runs VM code too, which may itself hit a limit
    const lateLimit = this.exceededLimit();
    if (lateLimit) {
      return failed(lateLimit);
    }
    if (!described) {
      return failed({ kind: 'exception', message: 'The SmartApp threw a value that could not be described' });
    }
    if (described.isError && described.name === 'InternalError' && described.message === 'out of memory') {
      return failed({ kind: 'memory', message: `Execution exceeded the memory limit of ${mebibytes(this.armedCall().limits.memoryBytes)}` });
    }
    const message = described.isError ? `${described.name}: ${described.message}` : `The SmartApp threw a non-Error value: ${described.message}`;
    return failed({ kind: 'exception', message, stack: withoutPreludeFrames(described.stack), line: lineInModule(described) });
  }

  private describeThrow(thrown: QuickJSHandle): DescribedThrow | undefined {
    const result = this.invoke('describeError', [thrown]);
    if ('error' in result) {
      result.error.dispose();
      return undefined;
    }
    const text = this.vm.typeof(result.value) === 'string' ? this.vm.getString(result.value) : '';
    result.value.dispose();
    return parseDescribedThrow(text);
  }
}
