import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, varchar } from './column-types';

// Instance heartbeats (docs/events.md): the claims of an instance that stopped beating are taken
// back within seconds instead of after a fixed claim timeout.
export class InstanceHeartbeats1764200000200 implements MigrationInterface {
  name = 'InstanceHeartbeats1764200000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'instance_heartbeats',
        columns: [
          { ...varchar('instance_id', 64), isPrimary: true },
          { name: 'started_at', type: t.timestamp },
          { name: 'beat_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['beat_at'] })],
      }),
    );
    // the claim scans look for due, unclaimed rows
    await queryRunner.createIndex('event_deliveries', new TableIndex({ columnNames: ['claimed_by'] }));
    await queryRunner.createIndex('scheduled_jobs', new TableIndex({ columnNames: ['claimed_by'] }));
    await queryRunner.createIndex('callback_deliveries', new TableIndex({ columnNames: ['claimed_by'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['event_deliveries', 'scheduled_jobs', 'callback_deliveries']) {
      const found = await queryRunner.getTable(table);
      const index = found?.indices.find((i) => i.columnNames.length === 1 && i.columnNames[0] === 'claimed_by');
      if (index) {
        await queryRunner.dropIndex(table, index);
      }
    }
    await queryRunner.dropTable('instance_heartbeats');
  }
}
