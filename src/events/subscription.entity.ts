import { Column, Entity, PrimaryColumn } from 'typeorm';

// ctx.subscribe(devices, "attribute" | "attribute.value", handler): one row per device.
// ctx.subscribe(ctx.location, 'mode', handler): device_id null, location_id set.
@Entity('subscriptions')
export class Subscription {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ name: 'device_id', type: 'varchar', length: 36, nullable: true })
  deviceId!: string | null;

  @Column({ name: 'location_id', type: 'varchar', length: 36, nullable: true })
  locationId!: string | null;

  @Column({ type: 'varchar', length: 100 })
  attribute!: string;

  /** only this value ("switch.on"); null = every value */
  @Column({ type: 'varchar', length: 100, nullable: true })
  value!: string | null;

  @Column({ type: 'varchar', length: 100 })
  handler!: string;

  /** deliver the installation's own changes too (see docs/events.md, "Own changes") */
  @Column({ name: 'include_own', type: 'boolean', default: false })
  includeOwn!: boolean;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
