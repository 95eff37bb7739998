import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('refresh_tokens')
export class RefreshToken {
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

  /** every token of one rotation chain shares a family; a replay revokes the family */
  @Column({ type: 'varchar', length: 36 })
  family!: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64, nullable: true })
  codeHash!: string | null;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;

  /** set when rotated: the token may not be used again */
  @Column({ name: 'rotated_at', nullable: true, type: Date })
  rotatedAt!: Date | null;

  @Column({ name: 'revoked_at', nullable: true, type: Date })
  revokedAt!: Date | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
