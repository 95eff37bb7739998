/** A claim older than this is taken to belong to an instance that died while holding it. */
export const CLAIM_TIMEOUT_MS = 5 * 60 * 1000;

/** Exponential backoff: 1, 2, 4, ... times `baseMs`, at most `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
