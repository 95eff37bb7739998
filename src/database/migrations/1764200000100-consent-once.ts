import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columnTypes } from './column-types';

// Consent exactly once: an authorize transaction is consumed (not deleted) by the decision, with
// `UPDATE … WHERE consumed_at IS NULL` inside the install transaction; a second decision finds it
// consumed and creates nothing. Installations gain the `pending` status (a varchar already):
// the index serves the sweep of pending installations whose code expired unexchanged.
export class ConsentOnce1764200000100 implements MigrationInterface {
  name = 'ConsentOnce1764200000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    await queryRunner.addColumn('authorize_transactions', new TableColumn({ name: 'consumed_at', type: timestamp, isNullable: true }));
    await queryRunner.createIndex('installations', new TableIndex({ name: 'idx_installations_status_created', columnNames: ['status', 'created_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('installations', 'idx_installations_status_created');
    await queryRunner.dropColumn('authorize_transactions', 'consumed_at');
  }
}
