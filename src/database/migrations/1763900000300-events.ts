import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, id, varchar } from './column-types';

// Subscriptions, the event outbox, scheduled jobs, outgoing callbacks and rate-limit counters.
export class Events1763900000300 implements MigrationInterface {
  name = 'Events1763900000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    const installationFk = { columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' };
    const claim = [
      { ...varchar('claimed_by', 64), isNullable: true },
      { name: 'claimed_at', type: t.timestamp, isNullable: true },
    ];
    await queryRunner.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          id(),
          varchar('installation_id', 36),
          varchar('device_id', 36),
          varchar('attribute', 100),
          { ...varchar('value', 100), isNullable: true },
          varchar('handler', 100),
          { name: 'include_own', type: 'boolean', default: false },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['device_id', 'attribute'] }), new TableIndex({ columnNames: ['installation_id'] })],
        foreignKeys: [
          installationFk,
          { columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'event_deliveries',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          varchar('installation_id', 36),
          varchar('handler', 100),
          { name: 'event', type: 'text' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: t.timestamp },
          ...claim,
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['installation_id', 'seq'] })],
        foreignKeys: [installationFk],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'scheduled_jobs',
        columns: [
          id(),
          varchar('installation_id', 36),
          varchar('handler', 100),
          varchar('kind', 10),
          { ...varchar('cron', 100), isNullable: true },
          { name: 'data', type: 'text', isNullable: true },
          { name: 'run_at', type: t.timestamp },
          { name: 'attempts', type: 'integer', default: 0 },
          ...claim,
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['run_at'] }), new TableIndex({ columnNames: ['installation_id', 'handler'] })],
        foreignKeys: [installationFk],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'callback_deliveries',
        columns: [
          id(),
          varchar('installation_id', 36),
          { name: 'url', type: 'text' },
          { name: 'body', type: 'text' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: t.timestamp },
          ...claim,
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['next_attempt_at'] }), new TableIndex({ columnNames: ['installation_id'] })],
        foreignKeys: [installationFk],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'rate_counters',
        columns: [
          { ...varchar('bucket', 120), isPrimary: true },
          { name: 'window_no', type: 'integer', isPrimary: true },
          { name: 'hits', type: 'integer' },
          { name: 'expires_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['rate_counters', 'callback_deliveries', 'scheduled_jobs', 'event_deliveries', 'subscriptions']) {
      await queryRunner.dropTable(table);
    }
  }
}
