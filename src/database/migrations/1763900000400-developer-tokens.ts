import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, id, varchar } from './column-types';

// Developer API tokens (CONTRACT §6): stored only as SHA-256 hashes, one account many tokens.
export class DeveloperTokens1763900000400 implements MigrationInterface {
  name = 'DeveloperTokens1763900000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'developer_tokens',
        columns: [
          id(),
          varchar('account_id', 36),
          varchar('name', 100),
          { ...varchar('token_hash', 64), isUnique: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'last_used_at', type: t.timestamp, isNullable: true },
        ],
        indices: [new TableIndex({ columnNames: ['account_id'] })],
        foreignKeys: [{ columnNames: ['account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('developer_tokens');
  }
}
