import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonValue } from '../sandbox/sandbox.types';

export type ScheduledJobKind = 'once' | 'cron';

// runIn (once) and schedule (cron) jobs; a cron job's run_at moves to its next occurrence after each run.
@Entity('scheduled_jobs')
export class ScheduledJob {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ type: 'varchar', length: 100 })
  handler!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: ScheduledJobKind;

  @Column({ type: 'varchar', length: 100, nullable: true })
  cron!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  data!: JsonValue;

  @Column({ name: 'run_at' })
  runAt!: Date;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'claimed_at', type: Date, nullable: true })
  claimedAt!: Date | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
