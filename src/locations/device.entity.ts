import { Column, Entity, PrimaryColumn } from 'typeorm';
import { AttributeValue } from './capabilities';

@Entity('devices')
export class Device {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'location_id', type: 'varchar', length: 36 })
  locationId!: string;

  @Column({ type: 'varchar', length: 200 })
  label!: string;

  @Column({ name: 'device_type', type: 'varchar', length: 100 })
  deviceType!: string;

  @Column({ type: 'simple-json' })
  capabilities!: string[];

  /** attribute -> current value */
  @Column({ type: 'simple-json' })
  state!: Record<string, AttributeValue>;

  /** attribute -> ISO time it last changed; null for devices created before it was kept */
  @Column({ name: 'state_dates', type: 'simple-json', nullable: true })
  stateDates!: Record<string, string> | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'updated_at' })
  updatedAt!: Date;
}
