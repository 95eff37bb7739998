import { Column, Entity, PrimaryColumn } from 'typeorm';

// ctx.sendPush / ctx.sendNotification: a message for the owner of the installation's location.
@Entity('notifications')
export class Notification {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'location_id', type: 'varchar', length: 36, nullable: true })
  locationId!: string | null;

  @Column({ name: 'installation_id', type: 'varchar', length: 36, nullable: true })
  installationId!: string | null;

  /** who sent it, as the owner knows it (the connected app's name) */
  @Column({ type: 'varchar', length: 200 })
  sender!: string;

  @Column({ type: 'varchar', length: 1000 })
  message!: string;

  @Column({ name: 'read_at', type: Date, nullable: true })
  readAt!: Date | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
