import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columnTypes } from './column-types';

// Standard Webhooks: secrets become `whsec_<base64>` (a plain-text secret turns into `whsec_` + base64
// of its bytes, so the HMAC key is unchanged), and a rotated-out secret keeps signing for a grace window.
export class StandardWebhooks1764200000301 implements MigrationInterface {
  name = 'StandardWebhooks1764200000301';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { timestamp } = columnTypes(queryRunner);
    await queryRunner.addColumn('oauth_clients', new TableColumn({ name: 'previous_webhook_secret', type: 'varchar', length: '100', isNullable: true }));
    await queryRunner.addColumn('oauth_clients', new TableColumn({ name: 'previous_webhook_secret_until', type: timestamp, isNullable: true }));
    const rows = (await queryRunner.query(`SELECT client_id, webhook_secret FROM oauth_clients WHERE webhook_secret IS NOT NULL`)) as { client_id: string; webhook_secret: string }[];
    const placeholder = queryRunner.connection.options.type === 'postgres' ? (n: number) => `$${n}` : () => '?';
    for (const row of rows) {
      const converted = `whsec_${Buffer.from(row.webhook_secret, 'utf8').toString('base64')}`;
      // a plain secret too long for the column stays as it is: the platform signs with its bytes either way
      if (!row.webhook_secret.startsWith('whsec_') && converted.length <= 100) {
        await queryRunner.query(`UPDATE oauth_clients SET webhook_secret = ${placeholder(1)} WHERE client_id = ${placeholder(2)}`, [converted, row.client_id]);
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('oauth_clients', 'previous_webhook_secret_until');
    await queryRunner.dropColumn('oauth_clients', 'previous_webhook_secret');
  }
}
