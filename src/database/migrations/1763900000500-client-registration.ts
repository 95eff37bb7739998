import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

// RFC 7592: a client registered through /oauth/register manages itself with a registration access token.
export class ClientRegistration1763900000500 implements MigrationInterface {
  name = 'ClientRegistration1763900000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('oauth_clients', new TableColumn({ name: 'registration_token_hash', type: 'varchar', length: '64', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('oauth_clients', 'registration_token_hash');
  }
}
