import { Column, Entity, PrimaryColumn } from 'typeorm';

// An httpPostJson waiting to be (re)sent; its id is the webhook-id (Standard Webhooks) idempotency id, the same on every retry.
@Entity('callback_deliveries')
export class CallbackDelivery {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ type: 'text' })
  url!: string;

  /** the exact JSON text that is sent and signed */
  @Column({ type: 'text' })
  body!: string;

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
