import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('smartapps')
export class SmartApp {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'author_account_id', type: 'varchar', length: 36 })
  authorAccountId!: string;

  @Column({ type: 'varchar', length: 100 })
  namespace!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 100 })
  author!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'varchar', length: 100 })
  category!: string;

  @Column({ name: 'latest_version_id', type: 'varchar', length: 36, nullable: true })
  latestVersionId!: string | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
