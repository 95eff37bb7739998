import { Column, Entity, PrimaryColumn } from 'typeorm';

// A fixed-window counter shared by every instance: one row per bucket and window.
@Entity('rate_counters')
export class RateCounter {
  /** e.g. "install-api:<installation id>" */
  @PrimaryColumn({ type: 'varchar', length: 120 })
  bucket!: string;

  /** the window's number: floor(epoch ms / window length) */
  @PrimaryColumn({ name: 'window_no', type: 'integer' })
  windowNo!: number;

  @Column({ type: 'integer' })
  hits!: number;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;
}
