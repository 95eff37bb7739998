import { Column, Entity, PrimaryColumn } from 'typeorm';
import { SmartAppDefinition } from './smartapp-definition';

@Entity('smartapp_versions')
export class SmartAppVersion {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'smartapp_id', type: 'varchar', length: 36 })
  smartAppId!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  source!: string;

  /** the parsed definition, preferences, mappings and handler names */
  @Column({ type: 'simple-json' })
  definition!: SmartAppDefinition;

  @Column({ name: 'created_at' })
  createdAt!: Date;
}
