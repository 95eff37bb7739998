import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, id, varchar } from './column-types';

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'accounts',
        columns: [
          id(),
          { ...varchar('email', 320), isUnique: true },
          varchar('name', 200),
          varchar('password_hash', 200),
          varchar('role', 20),
          { name: 'created_at', type: t.timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'browser_sessions',
        columns: [
          { ...varchar('id_hash', 64), isPrimary: true },
          { name: 'data', type: 'text' },
          { name: 'expires_at', type: t.timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'locations',
        columns: [id(), varchar('account_id', 36), varchar('name', 200), varchar('time_zone', 64), { name: 'created_at', type: t.timestamp }],
        indices: [new TableIndex({ columnNames: ['account_id'] })],
        foreignKeys: [{ columnNames: ['account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'devices',
        columns: [
          id(),
          varchar('location_id', 36),
          varchar('label', 200),
          varchar('device_type', 100),
          { name: 'capabilities', type: 'text' },
          { name: 'state', type: 'text' },
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['location_id'] })],
        foreignKeys: [{ columnNames: ['location_id'], referencedTableName: 'locations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'device_events',
        columns: [
          id(),
          varchar('device_id', 36),
          varchar('location_id', 36),
          varchar('attribute', 100),
          { name: 'value', type: 'text' },
          { ...varchar('unit', 20), isNullable: true },
          varchar('source', 100),
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['device_id', 'created_at'] })],
        foreignKeys: [{ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'smartapps',
        columns: [
          id(),
          varchar('author_account_id', 36),
          varchar('namespace', 100),
          varchar('name', 200),
          varchar('author', 100),
          { name: 'description', type: 'text' },
          varchar('category', 100),
          { ...varchar('latest_version_id', 36), isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['namespace', 'name'], isUnique: true })],
        foreignKeys: [{ columnNames: ['author_account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'smartapp_versions',
        columns: [
          id(),
          varchar('smartapp_id', 36),
          { name: 'version', type: 'integer' },
          { name: 'source', type: 'text' },
          { name: 'definition', type: 'text' },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['smartapp_id', 'version'], isUnique: true })],
        foreignKeys: [{ columnNames: ['smartapp_id'], referencedTableName: 'smartapps', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'oauth_clients',
        columns: [
          { ...varchar('client_id', 100), isPrimary: true },
          { ...varchar('client_secret_hash', 64), isNullable: true },
          varchar('name', 200),
          varchar('smartapp_id', 36),
          { name: 'redirect_uris', type: 'text' },
          { name: 'grant_types', type: 'text' },
          { name: 'scopes', type: 'text' },
          varchar('token_endpoint_auth_method', 40),
          { name: 'access_token_ttl', type: 'integer', isNullable: true },
          { name: 'refresh_token_ttl', type: 'integer', isNullable: true },
          { name: 'allow_plain_pkce', type: 'boolean', default: false },
          { name: 'classic_compat', type: 'boolean', default: false },
          { name: 'callback_prefixes', type: 'text' },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['smartapp_id'] })],
        foreignKeys: [{ columnNames: ['smartapp_id'], referencedTableName: 'smartapps', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'installations',
        columns: [
          id(),
          varchar('smartapp_id', 36),
          varchar('smartapp_version_id', 36),
          varchar('account_id', 36),
          varchar('location_id', 36),
          { ...varchar('client_id', 100), isNullable: true },
          { name: 'settings', type: 'text' },
          { name: 'state', type: 'text' },
          varchar('status', 20),
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
          { name: 'last_used_at', type: t.timestamp, isNullable: true },
        ],
        indices: [new TableIndex({ columnNames: ['account_id'] }), new TableIndex({ columnNames: ['location_id'] })],
        foreignKeys: [
          { columnNames: ['smartapp_id'], referencedTableName: 'smartapps', referencedColumnNames: ['id'] },
          { columnNames: ['smartapp_version_id'], referencedTableName: 'smartapp_versions', referencedColumnNames: ['id'] },
          { columnNames: ['account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['location_id'], referencedTableName: 'locations', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'device_grants',
        columns: [id(), varchar('installation_id', 36), varchar('input_name', 100), varchar('device_id', 36), varchar('capability', 100)],
        indices: [
          new TableIndex({ columnNames: ['installation_id', 'input_name', 'device_id'], isUnique: true }),
          new TableIndex({ columnNames: ['device_id'] }),
        ],
        foreignKeys: [
          { columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'activity_logs',
        columns: [id(), varchar('installation_id', 36), { name: 'at', type: t.timestamp }, varchar('kind', 20), { name: 'summary', type: 'text' }],
        indices: [new TableIndex({ columnNames: ['installation_id', 'at'] })],
        foreignKeys: [{ columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'app_logs',
        columns: [
          id(),
          varchar('installation_id', 36),
          varchar('smartapp_id', 36),
          { name: 'at', type: t.timestamp },
          varchar('level', 10),
          { name: 'message', type: 'text' },
        ],
        indices: [new TableIndex({ columnNames: ['smartapp_id', 'at'] }), new TableIndex({ columnNames: ['installation_id', 'at'] })],
      }),
    );
    const tokenColumns = [
      varchar('client_id', 100),
      varchar('installation_id', 36),
      varchar('account_id', 36),
      varchar('scope', 200),
    ];
    await queryRunner.createTable(
      new Table({
        name: 'authorize_transactions',
        columns: [
          { ...varchar('id_hash', 64), isPrimary: true },
          varchar('account_id', 36),
          varchar('session_binding', 64),
          varchar('client_id', 100),
          { name: 'redirect_uri', type: 'text' },
          varchar('scope', 200),
          { name: 'state', type: 'text', isNullable: true },
          { ...varchar('code_challenge', 128), isNullable: true },
          { ...varchar('code_challenge_method', 10), isNullable: true },
          { ...varchar('location_id', 36), isNullable: true },
          { name: 'expires_at', type: t.timestamp },
          { name: 'created_at', type: t.timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'authorization_codes',
        columns: [
          { ...varchar('code_hash', 64), isPrimary: true },
          ...tokenColumns,
          { name: 'redirect_uri', type: 'text' },
          { ...varchar('code_challenge', 128), isNullable: true },
          { ...varchar('code_challenge_method', 10), isNullable: true },
          { name: 'expires_at', type: t.timestamp },
          { name: 'consumed_at', type: t.timestamp, isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
        foreignKeys: [{ columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'access_tokens',
        columns: [
          { ...varchar('token_hash', 64), isPrimary: true },
          ...tokenColumns,
          { name: 'expires_at', type: t.timestamp, isNullable: true },
          { name: 'revoked_at', type: t.timestamp, isNullable: true },
          { ...varchar('code_hash', 64), isNullable: true },
          { ...varchar('family', 36), isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ columnNames: ['installation_id'] }),
          new TableIndex({ columnNames: ['code_hash'] }),
          new TableIndex({ columnNames: ['family'] }),
        ],
        foreignKeys: [{ columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [
          { ...varchar('token_hash', 64), isPrimary: true },
          ...tokenColumns,
          varchar('family', 36),
          { ...varchar('code_hash', 64), isNullable: true },
          { name: 'expires_at', type: t.timestamp },
          { name: 'rotated_at', type: t.timestamp, isNullable: true },
          { name: 'revoked_at', type: t.timestamp, isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ columnNames: ['installation_id'] }), new TableIndex({ columnNames: ['family'] })],
        foreignKeys: [{ columnNames: ['installation_id'], referencedTableName: 'installations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'refresh_tokens',
      'access_tokens',
      'authorization_codes',
      'authorize_transactions',
      'app_logs',
      'activity_logs',
      'device_grants',
      'installations',
      'oauth_clients',
      'smartapp_versions',
      'smartapps',
      'device_events',
      'devices',
      'locations',
      'browser_sessions',
      'accounts',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
