import { Column, Entity, PrimaryColumn } from 'typeorm';

// The single source of truth for "may this installation touch this device, with which commands".
@Entity('device_grants')
export class DeviceGrant {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ name: 'input_name', type: 'varchar', length: 100 })
  inputName!: string;

  @Column({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @Column({ type: 'varchar', length: 100 })
  capability!: string;
}
