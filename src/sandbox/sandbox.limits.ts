import type { SandboxLimits } from './sandbox.types';

export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuMs: 1000,
  memoryBytes: 64 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
  maxLogLines: 100,
  maxLogLineBytes: 4096,
});

/** Injection token for the default limits of a SandboxService (optional; DEFAULT_SANDBOX_LIMITS otherwise). */
export const SANDBOX_LIMITS = Symbol('SANDBOX_LIMITS');

const MINIMUMS: Readonly<SandboxLimits> = {
  cpuMs: 1,
  memoryBytes: 1024 * 1024,
  maxResultBytes: 2,
  maxLogLines: 0,
  maxLogLineBytes: 16,
};

/** Later layers win field by field; a missing or unusable field keeps the earlier value. */
export function mergeLimits(base: SandboxLimits, ...overrides: (Partial<SandboxLimits> | undefined)[]): SandboxLimits {
  const merged: SandboxLimits = { ...base };
  for (const override of overrides) {
    if (!override) {
      continue;
    }
    for (const key of Object.keys(MINIMUMS) as (keyof SandboxLimits)[]) {
      const value = override[key];
      if (typeof value === 'number' && Number.isFinite(value)) {
        merged[key] = Math.max(MINIMUMS[key], Math.floor(value));
      }
    }
  }
  return merged;
}
