import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes, id, varchar } from './column-types';

const DEFAULT_MODES = ['Home', 'Away', 'Night'];

// Location modes (current one on the location), optional latitude/longitude, location subscriptions
// (ctx.subscribe(location, 'mode', handler): device_id null, location_id set) and notifications.
export class LocationModes1765000400000 implements MigrationInterface {
  name = 'LocationModes1765000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    // plain ALTER TABLE: TypeORM's SQLite addColumn rebuilds the table, and dropping `locations` fails its devices' foreign keys
    await queryRunner.query(`ALTER TABLE locations ADD COLUMN mode varchar(100) NOT NULL DEFAULT 'Home'`);
    await queryRunner.query('ALTER TABLE locations ADD COLUMN latitude double precision');
    await queryRunner.query('ALTER TABLE locations ADD COLUMN longitude double precision');
    await queryRunner.createTable(
      new Table({
        name: 'location_modes',
        columns: [id(), varchar('location_id', 36), varchar('name', 100), { name: 'created_at', type: timestamp }],
        indices: [new TableIndex({ columnNames: ['location_id', 'name'], isUnique: true })],
        foreignKeys: [{ columnNames: ['location_id'], referencedTableName: 'locations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    const placeholder = queryRunner.connection.options.type === 'postgres' ? (n: number) => `$${n}` : () => '?';
    const locations = (await queryRunner.query('SELECT id FROM locations')) as { id: string }[];
    const now = new Date();
    for (const location of locations) {
      for (const name of DEFAULT_MODES) {
        await queryRunner.query(
          `INSERT INTO location_modes (id, location_id, name, created_at) VALUES (${placeholder(1)}, ${placeholder(2)}, ${placeholder(3)}, ${placeholder(4)})`,
          [randomUUID(), location.id, name, now],
        );
      }
    }
    const subscriptions = await queryRunner.getTable('subscriptions');
    const deviceId = subscriptions?.findColumnByName('device_id');
    if (deviceId) {
      const nullable = deviceId.clone();
      nullable.isNullable = true;
      await queryRunner.changeColumn('subscriptions', deviceId, nullable);
    }
    await queryRunner.addColumn('subscriptions', new TableColumn({ ...varchar('location_id', 36), isNullable: true }));
    await queryRunner.createIndex('subscriptions', new TableIndex({ columnNames: ['location_id', 'attribute'] }));
    await queryRunner.createForeignKey('subscriptions', new TableForeignKey({ columnNames: ['location_id'], referencedTableName: 'locations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }));
    await queryRunner.createTable(
      new Table({
        name: 'notifications',
        columns: [
          id(),
          varchar('account_id', 36),
          { ...varchar('location_id', 36), isNullable: true },
          { ...varchar('installation_id', 36), isNullable: true },
          varchar('sender', 200),
          varchar('message', 1000),
          { name: 'read_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['account_id', 'read_at'] }), new TableIndex({ columnNames: ['account_id', 'created_at'] })],
        foreignKeys: [{ columnNames: ['account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('notifications');
    await queryRunner.query('DELETE FROM subscriptions WHERE device_id IS NULL');
    const subscriptions = await queryRunner.getTable('subscriptions');
    const fk = subscriptions?.foreignKeys.find((f) => f.columnNames.includes('location_id'));
    if (fk) {
      await queryRunner.dropForeignKey('subscriptions', fk);
    }
    const index = subscriptions?.indices.find((i) => i.columnNames.includes('location_id'));
    if (index) {
      await queryRunner.dropIndex('subscriptions', index);
    }
    await queryRunner.dropColumn('subscriptions', 'location_id');
    await queryRunner.dropTable('location_modes');
    for (const column of ['longitude', 'latitude', 'mode']) {
      await queryRunner.query(`ALTER TABLE locations DROP COLUMN ${column}`);
    }
  }
}
