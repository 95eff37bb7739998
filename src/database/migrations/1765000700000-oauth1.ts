import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, varchar } from './column-types';

// SMART OAuth 1.0a (docs/smart.md): consumers, request and access tokens, used nonces.
export class OAuth1Tables1765000700000 implements MigrationInterface {
  name = 'OAuth1Tables1765000700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'oauth1_consumers',
        columns: [
          { ...varchar('client_id', 100), isPrimary: true },
          varchar('callback_url', 500),
          varchar('index_url', 500),
          varchar('secret_sealed', 300),
          { name: 'created_at', type: t.timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'oauth1_tokens',
        columns: [
          { ...varchar('token_hash', 64), isPrimary: true },
          varchar('kind', 10),
          varchar('client_id', 100),
          varchar('secret_sealed', 300),
          varchar('record_id', 36),
          { ...varchar('callback_url', 500), isNullable: true },
          { ...varchar('account_id', 36), isNullable: true },
          { ...varchar('session_binding', 64), isNullable: true },
          { ...varchar('installation_id', 36), isNullable: true },
          { ...varchar('verifier_hash', 64), isNullable: true },
          { name: 'decided_at', type: t.timestamp, isNullable: true },
          { name: 'denied', type: 'boolean', default: false },
          { name: 'used_at', type: t.timestamp, isNullable: true },
          { name: 'expires_at', type: t.timestamp, isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['installation_id'] }), new TableIndex({ columnNames: ['expires_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'oauth1_nonces',
        columns: [
          { ...varchar('consumer_key', 100), isPrimary: true },
          { ...varchar('nonce', 100), isPrimary: true },
          { name: 'timestamp', type: 'integer', isPrimary: true },
          { name: 'expires_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('oauth1_nonces');
    await queryRunner.dropTable('oauth1_tokens');
    await queryRunner.dropTable('oauth1_consumers');
  }
}
