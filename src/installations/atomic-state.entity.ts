import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonObject } from '../sandbox/sandbox.types';

// ctx.atomicState of one installation; `version` grows with every write (compare-and-swap).
@Entity('installation_atomic_states')
export class InstallationAtomicState {
  @PrimaryColumn({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ type: 'simple-json' })
  state!: JsonObject;

  @Column({ type: 'integer' })
  version!: number;
}
