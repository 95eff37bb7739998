// Messages between SandboxWorkerPool (main thread) and sandbox.worker.ts. Every message is a
// plain JSON-able object: calls travel as their JSON text, answers by structured clone.
import type { InspectResult, RunRequest, SandboxLimits, SandboxResult } from './sandbox.types';

/** What a worker is asked to do; `limits` are already merged with the service's defaults. */
/** `warmKey`: the installation whose warm session may serve the run (and keep serving it); none = a fresh session. */
export type SandboxCall =
  | { call: 'run'; request: RunRequest; limits: SandboxLimits; warmKey?: string }
  | { call: 'inspect'; source: string; limits: SandboxLimits };

export type SandboxCallResult = { call: 'run'; result: SandboxResult } | { call: 'inspect'; result: InspectResult };

/** Cumulative counters of one worker's engines (or, summed, of the whole pool). */
export interface EngineStats {
  enginesCreated: number;
  enginesDiscarded: number;
  spareSessionsUsed: number;
  /** calls served by an installation's warm session (module already loaded) */
  warmSessionsUsed: number;
}

export type ToWorker = SandboxCall & { id: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'log'; level: 'warn' | 'error'; message: string }
  /** `cpuMs`: how long the worker's thread was busy with the call */
  | { type: 'done'; id: number; result: SandboxCallResult; stats: EngineStats; cpuMs: number }
  | { type: 'stats'; stats: EngineStats };
