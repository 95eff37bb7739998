import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('browser_sessions')
export class BrowserSession {
  /** SHA-256 of the session id the cookie carries */
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 })
  idHash!: string;

  @Column({ type: 'text' })
  data!: string;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;
}
