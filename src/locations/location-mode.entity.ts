import { Column, Entity, PrimaryColumn } from 'typeorm';

// A location's modes (SmartThings classic: Home, Away, Night to start); the current one is Location.mode.
@Entity('location_modes')
export class LocationMode {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'location_id', type: 'varchar', length: 36 })
  locationId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
