import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ActivityKind = 'api_call' | 'command' | 'lifecycle' | 'error' | 'denied' | 'event' | 'callback';

// What the user sees of an installation under "Connected apps".
@Entity('activity_logs')
export class ActivityLog {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column()
  at!: Date;

  @Column({ type: 'varchar', length: 20 })
  kind!: ActivityKind;

  @Column({ type: 'text' })
  summary!: string;
}
