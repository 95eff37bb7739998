import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonObject } from '../sandbox/sandbox.types';
import { SettingValue } from './installation-settings';

/**
 * `pending`: authorized, its code not exchanged yet (no event or schedule handler runs; swept with
 * its grants when the code expires). `active`: connected. `uninstalled`: kept for the record.
 */
export type InstallationStatus = 'pending' | 'active' | 'uninstalled';

@Entity('installations')
export class Installation {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'smartapp_id', type: 'varchar', length: 36 })
  smartAppId!: string;

  @Column({ name: 'smartapp_version_id', type: 'varchar', length: 36 })
  smartAppVersionId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'location_id', type: 'varchar', length: 36 })
  locationId!: string;

  /** the OAuth client that installed it; null when installed from the catalog */
  @Column({ name: 'client_id', type: 'varchar', length: 100, nullable: true })
  clientId!: string | null;

  /** non-device inputs; device inputs live in DeviceGrant */
  @Column({ type: 'simple-json' })
  settings!: Record<string, SettingValue>;

  @Column({ type: 'simple-json' })
  state!: JsonObject;

  @Column({ type: 'varchar', length: 20 })
  status!: InstallationStatus;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'last_used_at', nullable: true, type: Date })
  lastUsedAt!: Date | null;
}
