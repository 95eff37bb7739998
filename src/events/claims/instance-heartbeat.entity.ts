import { Column, Entity, PrimaryColumn } from 'typeorm';

// One row per running instance that claims work: written every INSTANCE_HEARTBEAT_MS. The claims
// of an instance whose row is older than a few intervals (or gone) are taken back at once.
@Entity('instance_heartbeats')
export class InstanceHeartbeat {
  @PrimaryColumn({ name: 'instance_id', type: 'varchar', length: 64 })
  instanceId!: string;

  @Column({ name: 'started_at' })
  startedAt!: Date;

  @Column({ name: 'beat_at' })
  beatAt!: Date;
}
