// Shapes and pure helpers for what goes wrong inside a session.
import { PRELUDE_FILENAME } from './sandbox.prelude';
import type { SandboxFailureKind } from './sandbox.types';

export const MODULE_FILENAME = 'smartapp.js';

export interface VmFailure {
  kind: SandboxFailureKind;
  message: string;
  stack?: string;
  /** line in the SmartApp source, when QuickJS reported one */
  line?: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: VmFailure };

/** What the prelude may call on the host: strings and numbers only. */
export interface HostHooks {
  log(level: string, message: string): void;
  httpError(status: number, message: string): void;
  /** starts an outgoing request: '{"id":n}' or '{"error":message}' (see sandbox.http.ts) */
  request(paramsJson: string): string;
  /** how many started requests are not answered yet */
  outstanding(): number;
  /** the next answered request, or undefined once `ms` passed without one */
  nextAnswer(ms: number): Promise<{ id: number; json: string } | undefined>;
}

/** Hooks of a call that may not make requests (inspect, preparing a session). */
export const NO_REQUEST_HOOKS: Pick<HostHooks, 'request' | 'outstanding' | 'nextAnswer'> = {
  request: () => JSON.stringify({ error: 'outgoing requests are not available here' }),
  outstanding: () => 0,
  nextAnswer: () => Promise.resolve(undefined),
};

/** The prelude's description of a thrown value (see describeError in the prelude). */
export interface DescribedThrow {
  isError: boolean;
  name: string;
  message: string;
  stack?: string;
  fileName?: string;
  lineNumber?: number;
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function failed<T>(failure: VmFailure): Outcome<T> {
  return { ok: false, failure };
}

export function mebibytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

/** The SmartApp source line a thrown value points at: its own line for a syntax error, else its first frame in the module. */
export function lineInModule(thrown: DescribedThrow): number | undefined {
  if (thrown.fileName === MODULE_FILENAME && thrown.lineNumber !== undefined) {
    return thrown.lineNumber;
  }
  const frame = thrown.stack === undefined ? null : new RegExp(`${MODULE_FILENAME.replace('.', '\\.')}:(\\d+)`).exec(thrown.stack);
  return frame ? Number(frame[1]) : undefined;
}

/** Drops the frames of the prelude that called into the SmartApp: they mean nothing to its developer. */
export function withoutPreludeFrames(stack: string | undefined): string | undefined {
  if (stack === undefined) {
    return undefined;
  }
  const frames = stack.split('\n').filter((line) => line.trim() !== '' && !line.includes(PRELUDE_FILENAME));
  while (frames.length > 0 && frames[frames.length - 1].trim() === 'at apply (native)') {
    frames.pop();
  }
  return frames.length > 0 ? `${frames.join('\n')}\n` : undefined;
}

export function parseDescribedThrow(text: string): DescribedThrow | undefined {
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
      fileName: typeof record.fileName === 'string' ? record.fileName : undefined,
      lineNumber: typeof record.lineNumber === 'number' ? record.lineNumber : undefined,
    };
  } catch {
    return undefined;
  }
}
