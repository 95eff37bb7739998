import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

// Devices in handlers (classic `currentState(attr).date`): when each attribute last changed, kept
// next to the state so a handler's snapshot needs no extra query. Devices created before have none
// (their attributes fall back to the device's last update).
export class DeviceStateDates1765000300100 implements MigrationInterface {
  name = 'DeviceStateDates1765000300100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('devices', new TableColumn({ name: 'state_dates', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('devices', 'state_dates');
  }
}
