import { EntityManager, LessThan } from 'typeorm';
import { InstanceHeartbeat } from './instance-heartbeat.entity';

/** An instance whose last beat is older than this many intervals is taken for dead. */
export const MISSED_BEATS = 3;

/** Rows of instances gone this long are deleted (their claims are long taken back by then). */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/** Records that `instanceId` is alive at `now` (an update, or the first insert). */
export async function recordBeat(tx: EntityManager, instanceId: string, now: Date): Promise<void> {
  const repo = tx.getRepository(InstanceHeartbeat);
  const updated = await repo.update({ instanceId }, { beatAt: now });
  if (updated.affected !== 1) {
    await repo.insert({ instanceId, startedAt: now, beatAt: now });
    await repo.delete({ beatAt: LessThan(new Date(now.getTime() - FORGET_AFTER_MS)) });
  }
}

/** The instance stopped cleanly: nobody needs to wait for its beats to go stale. */
export async function forgetBeat(tx: EntityManager, instanceId: string): Promise<void> {
  await tx.getRepository(InstanceHeartbeat).delete({ instanceId });
}

/** SQL: true when the claim on `alias`'s row may be taken (none, too old, or its instance stopped beating). */
export function claimableSql(alias: string | null): string {
  const c = (column: string) => (alias ? `${alias}.${column}` : column);
  return (
    `(${c('claimed_by')} IS NULL OR ${c('claimed_at')} < :staleBefore OR ` +
    `(${c('claimed_by')} <> :me AND ${c('claimed_by')} NOT IN (SELECT hb.instance_id FROM instance_heartbeats hb WHERE hb.beat_at >= :aliveSince)))`
  );
}
