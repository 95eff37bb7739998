import { EntityManager } from 'typeorm';
import type { JsonObject } from '../sandbox/sandbox.types';
import { InstallationAtomicState } from './atomic-state.entity';

/** Another run of the installation wrote ctx.atomicState since this run read it: run again with the fresh value. */
export class AtomicStateConflict extends Error {
  constructor(installationId: string) {
    super(`ctx.atomicState of installation ${installationId} changed while a handler ran`);
  }
}

export interface AtomicSnapshot {
  state: JsonObject;
  /** 0: never written */
  version: number;
}

export async function readAtomicState(manager: EntityManager, installationId: string): Promise<AtomicSnapshot> {
  const row = await manager.getRepository(InstallationAtomicState).findOne({ where: { installationId } });
  return row ? { state: row.state, version: row.version } : { state: {}, version: 0 };
}

/** Compare-and-swap: writes `state` only if the stored version is still `expected`, else throws AtomicStateConflict. */
export async function writeAtomicState(tx: EntityManager, installationId: string, state: JsonObject, expected: number): Promise<void> {
  if (expected === 0) {
    // the first write creates the row at version 0 unless a concurrent first write did; the swap below decides
    const placeholder = tx.connection.options.type === 'postgres' ? '$1' : '?';
    await tx.query(`INSERT INTO installation_atomic_states (installation_id, state, version) VALUES (${placeholder}, '{}', 0) ON CONFLICT (installation_id) DO NOTHING`, [installationId]);
  }
  const updated = await tx
    .createQueryBuilder()
    .update('installation_atomic_states')
    .set({ state: () => ':state', version: () => 'version + 1' })
    .where('installation_id = :id AND version = :expected', { id: installationId, expected })
    .setParameter('state', JSON.stringify(state))
    .execute();
  if (updated.affected !== 1) {
    throw new AtomicStateConflict(installationId);
  }
}
