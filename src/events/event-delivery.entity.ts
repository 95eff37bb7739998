import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SandboxEvent, SandboxLocationEvent } from '../sandbox/sandbox.types';

// The outbox: one row per (device change, subscribed handler), written in the device change's
// transaction and deleted once the handler has run. `seq` orders deliveries per installation.
@Entity('event_deliveries')
export class EventDelivery {
  @PrimaryGeneratedColumn({ name: 'seq' })
  seq!: number;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ type: 'varchar', length: 100 })
  handler!: string;

  @Column({ type: 'simple-json' })
  event!: SandboxEvent | SandboxLocationEvent;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'claimed_at', type: Date, nullable: true })
  claimedAt!: Date | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
