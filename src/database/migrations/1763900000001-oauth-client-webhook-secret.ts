import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

// The secret that signs the callbacks an installation's handlers send (httpPostJson).
// Stored as given: the platform must compute HMACs with it, so it cannot be a hash.
export class OAuthClientWebhookSecret1763900000001 implements MigrationInterface {
  name = 'OAuthClientWebhookSecret1763900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('oauth_clients', new TableColumn({ name: 'webhook_secret', type: 'varchar', length: '100', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('oauth_clients', 'webhook_secret');
  }
}
