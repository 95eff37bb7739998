import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AccountRole = 'user' | 'developer' | 'admin';

@Entity('accounts')
export class Account {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** lower-cased */
  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 200 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 20 })
  role!: AccountRole;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
