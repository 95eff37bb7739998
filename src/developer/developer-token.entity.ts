import { Column, Entity, PrimaryColumn } from 'typeorm';

// A developer API token: the bearer of the developer API and the CLI. Only its hash is kept.
@Entity('developer_tokens')
export class DeveloperToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  /** the label the developer gave it ("laptop", "CI") */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash!: string;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', nullable: true, type: Date })
  lastUsedAt!: Date | null;
}
