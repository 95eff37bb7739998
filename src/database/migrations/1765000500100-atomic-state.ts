import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { varchar } from './column-types';

// ctx.atomicState: one row per installation that wrote it, with a version for compare-and-swap
// (docs/authoring.md, "Classic ctx members").
export class AtomicState1765000500100 implements MigrationInterface {
  name = 'AtomicState1765000500100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'installation_atomic_states',
        columns: [
          { ...varchar('installation_id', 36), isPrimary: true },
          { name: 'state', type: 'text' },
          { name: 'version', type: 'integer' },
        ],
        foreignKeys: [{ columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('installation_atomic_states', true, true);
  }
}
