import { Column, Entity, PrimaryColumn } from 'typeorm';

// One authorization request in progress across the location and preference pages.
// Its id is long and random; it is bound to the account and browser session that started it.
@Entity('authorize_transactions')
export class AuthorizeTransaction {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 })
  idHash!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'session_binding', type: 'varchar', length: 64 })
  sessionBinding!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;

  @Column({ type: 'varchar', length: 200 })
  scope!: string;

  @Column({ type: 'text', nullable: true })
  state!: string | null;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge!: string | null;

  @Column({ name: 'code_challenge_method', type: 'varchar', length: 10, nullable: true })
  codeChallengeMethod!: 'S256' | 'plain' | null;

  @Column({ name: 'location_id', type: 'varchar', length: 36, nullable: true })
  locationId!: string | null;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;

  /** set once by the decision (allow or deny); a consumed transaction cannot be decided again */
  @Column({ name: 'consumed_at', nullable: true, type: Date })
  consumedAt!: Date | null;

  /** the raw choices of the preference pages posted so far (JSON), until the last page's Authorize */
  @Column({ name: 'preference_draft', type: 'text', nullable: true })
  preferenceDraft!: string | null;

  /** 'deny' once denied: Back after Deny returns to the client */
  @Column({ type: 'varchar', length: 10, nullable: true })
  decision!: 'allow' | 'deny' | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
