import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('authorization_codes')
export class AuthorizationCode {
  @PrimaryColumn({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;

  @Column({ type: 'varchar', length: 200 })
  scope!: string;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge!: string | null;

  @Column({ name: 'code_challenge_method', type: 'varchar', length: 10, nullable: true })
  codeChallengeMethod!: 'S256' | 'plain' | null;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;

  @Column({ name: 'consumed_at', nullable: true, type: Date })
  consumedAt!: Date | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
