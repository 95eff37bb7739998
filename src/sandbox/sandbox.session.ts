import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { QuickJsEngine } from './sandbox.engine';
import { PRELUDE_FILENAME, PRELUDE_SOURCE } from './sandbox.prelude';
import type { HandlerRef, SandboxFailureKind, SandboxLimits } from './sandbox.types';

export const MODULE_FILENAME = 'smartapp.js';

// QuickJS measures its stack in the WebAssembly shadow stack, but deep recursion also consumes
// Node's native stack through the wasm frames. 256 KiB keeps ordinary recursion a catchable
// InternalError well before Node's ~1 MiB native stack runs out; the few native-heavy paths that
// can still exhaust it (e.g. JSON.stringify of extremely deep nesting) are handled by the service.
const MAX_STACK_BYTES = 256 * 1024;

export interface VmFailure {
  kind: SandboxFailureKind;
  message: string;
  stack?: string;
  /** line in the SmartApp source, when QuickJS reported one */
  line?: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: VmFailure };

export interface HostHooks {
  log(level: string, message: string): void;
  httpError(status: number, message: string): void;
}

interface DescribedThrow {
  isError: boolean;
  name: string;
  message: string;
  stack?: string;
  lineNumber?: number;
}

function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

function failed<T>(failure: VmFailure): Outcome<T> {
  return { ok: false, failure };
}

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

function lineInModule(stack: string | undefined): number | undefined {
  const match = stack === undefined ? null : new RegExp(`${MODULE_FILENAME.replace('.', '\\.')}:(\\d+)`).exec(stack);
  return match ? Number(match[1]) : undefined;
}

function parseDescribedThrow(text: string): DescribedThrow | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) {
      return undefined;
    }
    const record = parsed as Record<string, unknown>;
    return {
      isError: record.isError === true,
      name: typeof record.name === 'string' ? record.name : '',
      message: typeof record.message === 'string' ? record.message : '',
      stack: typeof record.stack === 'string' ? record.stack : undefined,
      lineNumber: typeof record.lineNumber === 'number' ? record.lineNumber : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * One QuickJS runtime + context with the prelude installed, living for exactly one inspect or run.
 * Every method is synchronous; a fresh session per call is what keeps installations apart.
 * Host-level exceptions (a broken engine, a native stack overflow) propagate to the caller.
 */
export class VmSession {
  private interrupted = false;
  private readonly deadline: number;
  private readonly exhaustionsAtStart: number;
  private api: QuickJSHandle | undefined;

  private constructor(
    private readonly engine: QuickJsEngine,
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    private readonly limits: SandboxLimits,
  ) {
    this.deadline = performance.now() + limits.cpuMs;
    this.exhaustionsAtStart = engine.memoryExhaustions();
  }

  static open(engine: QuickJsEngine, limits: SandboxLimits, hooks: HostHooks): VmSession {
    const runtime = engine.module.newRuntime();
    // bounds single allocations only (see QuickJsEngine); the engine's memory cap bounds the total
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    const vm = runtime.newContext();
    const session = new VmSession(engine, runtime, vm, limits);
    runtime.setInterruptHandler(() => session.shouldInterrupt());
    session.installPrelude(hooks);
    return session;
  }

  /** Evaluates the SmartApp as an ES module and hands its default export to the prelude. */
  loadModule(source: string): Outcome<void> {
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
   * Calls the handler and waits for it, its promise and any jobs it queued.
   * The value handle (undefined for a lifecycle the app lacks) belongs to the caller.
   */
  callHandler(handler: HandlerRef, snapshotJson: string): Outcome<QuickJSHandle> {
    const { maxLogLines, maxLogLineBytes, maxResultBytes } = this.limits;
    const started = this.call('start', [handler.kind, handler.name, snapshotJson, JSON.stringify({ maxLogLines, maxLogLineBytes, maxResultBytes })]);
    if (!started.ok) {
      return started;
    }
    const settled = this.settle(started.value, 'The handler returned a promise that never settles');
    if (!settled.ok) {
      return settled;
    }
    const drained = this.drainJobs();
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

  dispose(): void {
    this.api?.dispose();
    this.vm.dispose();
    this.runtime.dispose();
  }

  private shouldInterrupt(): boolean {
    if (!this.interrupted && performance.now() > this.deadline) {
      this.interrupted = true;
    }
    return this.interrupted;
  }

  private installPrelude(hooks: HostHooks): void {
    const readString = (handle: QuickJSHandle): string => (this.vm.typeof(handle) === 'string' ? this.vm.getString(handle) : '');
    const readNumber = (handle: QuickJSHandle): number => (this.vm.typeof(handle) === 'number' ? this.vm.getNumber(handle) : Number.NaN);
    const hostLog = this.vm.newFunction('hostLog', (level, message) => {
      hooks.log(readString(level), readString(message));
    });
    const hostHttpError = this.vm.newFunction('hostHttpError', (status, message) => {
      hooks.httpError(readNumber(status), readString(message));
    });
    try {
      const factory = this.vm.evalCode(PRELUDE_SOURCE, PRELUDE_FILENAME, { type: 'global', strict: true });
      if (factory.error) {
        const message = this.vm.dump(factory.error);
        factory.error.dispose();
        throw new Error(`The sandbox prelude failed to evaluate: ${JSON.stringify(message)}`);
      }
      const api = this.vm.callFunction(factory.value, this.vm.undefined, hostLog, hostHttpError);
      factory.value.dispose();
      if (api.error) {
        const message = this.vm.dump(api.error);
        api.error.dispose();
        throw new Error(`The sandbox prelude failed to start: ${JSON.stringify(message)}`);
      }
      this.api = api.value;
    } finally {
      hostLog.dispose();
      hostHttpError.dispose();
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
        return failed({ kind: 'exception', message: `${neverSettles}: nothing is left to run (the sandbox has no timers or I/O to wait for)` });
      }
      const ran = this.runtime.executePendingJobs();
      if (ran.error) {
        handle.dispose();
        return this.failWith(ran.error);
      }
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

  private limitFailure(): VmFailure | undefined {
    if (this.interrupted) {
      return { kind: 'timeout', message: `Execution exceeded the CPU limit of ${this.limits.cpuMs} ms` };
    }
    if (this.engine.memoryExhaustions() > this.exhaustionsAtStart) {
      return { kind: 'memory', message: `Execution exceeded the memory limit of ${mebibytes(this.limits.memoryBytes)}` };
    }
    return undefined;
  }

  /** Turns a thrown VM value into a failure; consumes the handle. */
  private failWith<T>(thrown: QuickJSHandle): Outcome<T> {
    const limit = this.limitFailure();
    if (limit) {
      thrown.dispose();
      return failed(limit);
    }
    const described = this.describeThrow(thrown);
    thrown.dispose();
    // describing runs VM code too, which may itself hit a limit
    const lateLimit = this.limitFailure();
    if (lateLimit) {
      return failed(lateLimit);
    }
    if (!described) {
      return failed({ kind: 'exception', message: 'The SmartApp threw a value that could not be described' });
    }
    if (described.isError && described.name === 'InternalError' && described.message === 'out of memory') {
      return failed({ kind: 'memory', message: `Execution ran out of memory (limit ${mebibytes(this.limits.memoryBytes)})` });
    }
    const message = described.isError ? `${described.name}: ${described.message}` : `The SmartApp threw a non-Error value: ${described.message}`;
    return failed({ kind: 'exception', message, stack: described.stack, line: described.lineNumber ?? lineInModule(described.stack) });
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
