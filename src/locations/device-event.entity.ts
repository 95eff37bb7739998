import { Column, Entity, PrimaryColumn } from 'typeorm';
import { AttributeValue } from './capabilities';

@Entity('device_events')
export class DeviceEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Column({ name: 'location_id', type: 'varchar', length: 36 })
  locationId!: string;

  @Column({ type: 'varchar', length: 100 })
  attribute!: string;

  @Column({ type: 'simple-json' })
  value!: AttributeValue;

  @Column({ type: 'varchar', length: 20, nullable: true })
  unit!: string | null;

  /** "user", "simulator", "installation:<id>" */
  @Column({ type: 'varchar', length: 100 })
  source!: string;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
