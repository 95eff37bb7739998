import { LogCollector } from './sandbox.logs';
import { readAppDescription, readRunOutput } from './sandbox.output';
import type { VmFailure } from './sandbox.failures';
import type { VmSession } from './sandbox.session';
import type { InspectResult, RunRequest, SandboxLimits, SandboxResult } from './sandbox.types';

type RecordedHttpError = { valid: true; status: number; message: string } | { valid: false; message: string };

/** The first ctx.httpError call of a run, kept on the host so handler code cannot take it back. */
export class HttpErrorRecorder {
  private first: RecordedHttpError | undefined;

  record(status: number, message: string): void {
    if (this.first) {
      return;
    }
    if (Number.isInteger(status) && status >= 400 && status <= 599) {
      this.first = { valid: true, status, message };
    } else {
      const got = Number.isNaN(status) ? 'a non-number' : String(status);
      this.first = { valid: false, message: `ctx.httpError needs an integer status from 400 to 599, got ${got}` };
    }
  }

  recorded(): RecordedHttpError | undefined {
    return this.first;
  }
}

function failure(failed: VmFailure, logs: LogCollector): SandboxResult {
  const error = failed.stack === undefined ? { kind: failed.kind, message: failed.message } : { kind: failed.kind, message: failed.message, stack: failed.stack };
  return { ok: false, error, logs: logs.result() };
}

/** One handler run inside an open session: load the module (unless a warm session has it), call the handler, read back its records. */
export async function executeRun(session: VmSession, req: RunRequest, limits: SandboxLimits, logs: LogCollector, httpError: HttpErrorRecorder, moduleLoaded = false): Promise<SandboxResult> {
  const loaded = moduleLoaded ? { ok: true as const, value: undefined } : session.loadModule(req.source);
  if (!loaded.ok) {
    const message = loaded.failure.kind === 'exception' ? `The SmartApp module failed to load: ${loaded.failure.message}` : loaded.failure.message;
    return failure({ ...loaded.failure, message }, logs);
  }
  const handled = await session.callHandler(req.handler, req.snapshot);
  const ended = httpError.recorded();
  if (ended && !ended.valid) {
    if (handled.ok) {
      handled.value.dispose();
    }
    return failure({ kind: 'exception', message: ended.message }, logs);
  }
  // a thrown error after ctx.httpError (usually its own marker) still ends the run with that response
  if (!handled.ok && !(ended && handled.failure.kind === 'exception')) {
    return failure(handled.failure, logs);
  }
  let value = handled.ok ? handled.value : undefined;
  if (ended && value) {
    value.dispose();
    value = undefined;
  }
  const finished = session.finish(value);
  if (!finished.ok) {
    return failure(finished.failure, logs);
  }
  // a limit hit whose error the handler caught still fails the run
  const exceeded = session.exceededLimit();
  if (exceeded) {
    return failure(exceeded, logs);
  }
  const records = readRunOutput(finished.value, req.snapshot, limits);
  if (!records.ok) {
    return failure({ kind: 'invalid_result', message: records.message }, logs);
  }
  const { response, commands, state, atomicState, subscriptions, schedules, callbacks, locationMode, notifications } = records.value;
  return {
    ok: true,
    effects: {
      response: ended ? { kind: 'httpError', status: ended.status, message: ended.message } : response,
      commands,
      state,
      ...(atomicState ? { atomicState } : {}),
      logs: logs.result(),
      subscriptions,
      schedules,
      callbacks,
      ...(locationMode === undefined ? {} : { locationMode }),
      ...(notifications === undefined ? {} : { notifications }),
    },
  };
}

function sourceError(failed: VmFailure): { path: string; message: string } {
  return { path: failed.line === undefined ? 'source' : `source:${failed.line}`, message: failed.message };
}

/** Evaluates the module in an open session and reads its JSON parts. */
export function executeInspect(session: VmSession, source: string): InspectResult {
  const loaded = session.loadModule(source);
  if (!loaded.ok) {
    return { ok: false, errors: [sourceError(loaded.failure)] };
  }
  const described = session.describeApp();
  if (!described.ok) {
    return { ok: false, errors: [sourceError(described.failure)] };
  }
  const exceeded = session.exceededLimit();
  if (exceeded) {
    return { ok: false, errors: [sourceError(exceeded)] };
  }
  const shape = readAppDescription(described.value);
  if (!shape.ok) {
    return { ok: false, errors: [{ path: 'source', message: shape.message }] };
  }
  if (shape.value.problems.length > 0) {
    return { ok: false, errors: shape.value.problems };
  }
  return { ok: true, app: shape.value.app };
}
