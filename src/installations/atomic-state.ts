import { EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
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
  const repo = tx.getRepository(InstallationAtomicState);
  if (expected === 0) {
    try {
      const row: InstallationAtomicState = { installationId, state, version: 1 };
      // TypeORM's deep-partial type of a JSON column is too deep for tsc (TS2589), as in installation-patch.ts
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it tsc fails with TS2589
      await repo.insert(row as unknown as QueryDeepPartialEntity<InstallationAtomicState>);
    } catch {
      // the row exists: another run wrote first (on PostgreSQL this also ended the transaction)
      throw new AtomicStateConflict(installationId);
    }
    return;
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
