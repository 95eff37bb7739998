import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

// Preference pages: the choices of the pages posted so far stay with the authorize transaction
// until the last page's Authorize. `decision` remembers a Deny, so Back after Deny returns to the
// client (error=access_denied) instead of saying the request is used up.
export class AuthorizePages1765000600100 implements MigrationInterface {
  name = 'AuthorizePages1765000600100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('authorize_transactions', new TableColumn({ name: 'preference_draft', type: 'text', isNullable: true }));
    await queryRunner.addColumn('authorize_transactions', new TableColumn({ name: 'decision', type: 'varchar', length: '10', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('authorize_transactions', 'decision');
    await queryRunner.dropColumn('authorize_transactions', 'preference_draft');
  }
}
