import { Column, Entity, PrimaryColumn } from 'typeorm';

// OAuth 1.0a settings of an OAuth client (consumer key = client id). The consumer secret is the
// client secret, kept here encrypted because HMAC-SHA1 needs it in clear.
@Entity('oauth1_consumers')
export class OAuth1Consumer {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'callback_url', type: 'varchar', length: 500 })
  callbackUrl!: string;

  @Column({ name: 'index_url', type: 'varchar', length: 500 })
  indexUrl!: string;

  /** SecretBox-sealed client secret */
  @Column({ name: 'secret_sealed', type: 'varchar', length: 300 })
  secretSealed!: string;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
