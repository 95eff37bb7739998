import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('access_tokens')
export class AccessToken {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 200 })
  scope!: string;

  /** null: never expires (SmartThings-classic clients) */
  @Column({ name: 'expires_at', nullable: true, type: Date })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', nullable: true, type: Date })
  revokedAt!: Date | null;

  /** the code it was issued from, so a replayed code can revoke it */
  @Column({ name: 'code_hash', type: 'varchar', length: 64, nullable: true })
  codeHash!: string | null;

  /** the refresh-token family it belongs to */
  @Column({ type: 'varchar', length: 36, nullable: true })
  family!: string | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
