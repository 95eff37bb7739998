import { Column, Entity, PrimaryColumn } from 'typeorm';

// A request token (minutes, single use, becomes authorized by the person's decision) or an access
// token (belongs to one installation and ends with it). The token is stored as its hash, its
// secret sealed (HMAC-SHA1 needs it in clear).
@Entity('oauth1_tokens')
export class OAuth1Token {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: 'request' | 'access';

  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'secret_sealed', type: 'varchar', length: 300 })
  secretSealed!: string;

  /** the SMART record: a location id */
  @Column({ name: 'record_id', type: 'varchar', length: 36 })
  recordId!: string;

  @Column({ name: 'callback_url', type: 'varchar', length: 500, nullable: true })
  callbackUrl!: string | null;

  /** request tokens: the person and browser session that opened the authorize page */
  @Column({ name: 'account_id', type: 'varchar', length: 36, nullable: true })
  accountId!: string | null;

  @Column({ name: 'session_binding', type: 'varchar', length: 64, nullable: true })
  sessionBinding!: string | null;

  @Column({ name: 'installation_id', type: 'varchar', length: 36, nullable: true })
  installationId!: string | null;

  @Column({ name: 'verifier_hash', type: 'varchar', length: 64, nullable: true })
  verifierHash!: string | null;

  /** request tokens: set once by the decision (allow or deny) */
  @Column({ name: 'decided_at', nullable: true, type: Date })
  decidedAt!: Date | null;

  @Column({ type: 'boolean', default: false })
  denied!: boolean;

  /** request tokens: set once by the exchange (or a failed one: single use) */
  @Column({ name: 'used_at', nullable: true, type: Date })
  usedAt!: Date | null;

  /** null: lives as long as its installation */
  @Column({ name: 'expires_at', nullable: true, type: Date })
  expiresAt!: Date | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
