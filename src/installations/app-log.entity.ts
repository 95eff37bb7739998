import { Column, Entity, PrimaryColumn } from 'typeorm';

// ctx.log lines and handler errors, for the SmartApp's author only.
@Entity('app_logs')
export class AppLog {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'installation_id', type: 'varchar', length: 36 })
  installationId!: string;

  @Column({ name: 'smartapp_id', type: 'varchar', length: 36 })
  smartAppId!: string;

  @Column()
  at!: Date;

  @Column({ type: 'varchar', length: 10 })
  level!: 'debug' | 'info' | 'warn' | 'error';

  @Column({ type: 'text' })
  message!: string;
}
