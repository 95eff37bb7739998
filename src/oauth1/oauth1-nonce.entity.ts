import { Column, Entity, PrimaryColumn } from 'typeorm';

// RFC 5849 §3.3: a nonce is used once per consumer and timestamp. The primary key makes a replay
// fail even when two instances see it at the same moment; rows expire after the timestamp window.
@Entity('oauth1_nonces')
export class OAuth1Nonce {
  @PrimaryColumn({ name: 'consumer_key', type: 'varchar', length: 100 })
  consumerKey!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  nonce!: string;

  @PrimaryColumn({ type: 'integer' })
  timestamp!: number;

  @Column({ name: 'expires_at' })
  expiresAt!: Date;
}
