import { EntityManager, EntityTarget } from 'typeorm';

/** A claim older than this is taken to belong to an instance that died while holding it. */
export const CLAIM_TIMEOUT_MS = 5 * 60 * 1000;

/** Exponential backoff: 1, 2, 4, ... times `baseMs`, at most `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

interface ClaimableRow {
  claimedBy: string | null;
  claimedAt: Date | null;
}

/**
 * Claims rows for one instance: each row goes to exactly one instance, the one whose
 * `UPDATE … WHERE claimed_by IS NULL OR claimed_at < stale` changed it (`affected === 1`).
 */
export async function claimRows<T extends ClaimableRow>(
  tx: EntityManager,
  entity: EntityTarget<T>,
  rows: T[],
  key: { column: string; of: (row: T) => string | number },
  claimant: string,
  now: Date,
): Promise<T[]> {
  const staleBefore = new Date(now.getTime() - CLAIM_TIMEOUT_MS);
  const claimed: T[] = [];
  for (const row of rows) {
    const result = await tx
      .createQueryBuilder()
      .update(entity)
      .set({ claimedBy: claimant, claimedAt: now })
      .where(`${key.column} = :key AND (claimed_by IS NULL OR claimed_at < :staleBefore)`, { key: key.of(row), staleBefore })
      .execute();
    if (result.affected === 1) {
      claimed.push(row);
    }
  }
  return claimed;
}
