// The large-database case: copies of the bench's installation and tokens, bulk-inserted by SQL
// (one INSERT … SELECT per table), so every look-up of the load has to search a big index.
import { DataSource, EntityManager } from 'typeorm';
import { sha256 } from '../src/common/secrets';

const INSTALLATION_COLUMNS = ['smartapp_id', 'smartapp_version_id', 'account_id', 'location_id', 'client_id', 'settings', 'state', 'status', 'created_at', 'updated_at', 'last_used_at'];
const TOKEN_COLUMNS = ['client_id', 'account_id', 'scope', 'expires_at', 'revoked_at', 'code_hash', 'family', 'created_at'];

export async function seedLarge(
  db: DataSource,
  // the app's transaction queue: on SQLite's one connection a transaction of our own would interleave
  transaction: (work: (tx: EntityManager) => Promise<void>) => Promise<void>,
  templateInstallationId: string,
  templateAccessToken: string,
  installations: number,
  tokensPerInstallation: number,
): Promise<{ installations: number; tokens: number }> {
  const pg = db.options.type === 'postgres';
  const p = (n: number): string => (pg ? `$${n}` : '?');
  // n = 1..count in each dialect; keys made from n are inserted in index order (fast), and a
  // look-up's cost does not depend on how the keys were made
  const series = (count: number): string => (pg ? `generate_series(1, ${count}) AS seq(n)` : `(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${count}) SELECT n FROM s) AS seq`);
  const hex = (expr: string, width: number): string => (pg ? `lpad(to_hex(${expr}), ${width}, '0')` : `printf('%0${width}x', ${expr})`);
  const tokenHash = sha256(templateAccessToken);

  await transaction(async (tx) => {
    await tx.query(
      `INSERT INTO installations (id, ${INSTALLATION_COLUMNS.join(', ')})
       SELECT ${hex('seq.n', 32)}, ${INSTALLATION_COLUMNS.map((c) => `i.${c}`).join(', ')}
       FROM installations i, ${series(installations)} WHERE i.id = ${p(1)}`,
      [templateInstallationId],
    );
  });
  if (pg) {
    // the tokens' foreign key is checked by a cached plan: planned while the statistics still say
    // "one installation" it scans the table for every token (a million scans of 100,000 rows)
    await db.query('ANALYZE installations');
  }
  await transaction(async (tx) => {
    await tx.query(
      `INSERT INTO access_tokens (token_hash, installation_id, ${TOKEN_COLUMNS.join(', ')})
       SELECT ${hex('seq.n', 64)}, ${hex('(seq.n - 1) / ' + String(tokensPerInstallation) + ' + 1', 32)}, ${TOKEN_COLUMNS.map((c) => `t.${c}`).join(', ')}
       FROM access_tokens t, ${series(installations * tokensPerInstallation)}
       WHERE t.token_hash = ${p(1)}`,
      [tokenHash],
    );
  });
  if (pg) {
    await db.query('ANALYZE installations');
    await db.query('ANALYZE access_tokens');
  } else {
    await db.query('ANALYZE');
  }
  const [i] = await db.query<{ n: string | number }[]>('SELECT COUNT(*) AS n FROM installations');
  const [t] = await db.query<{ n: string | number }[]>('SELECT COUNT(*) AS n FROM access_tokens');
  return { installations: Number(i.n), tokens: Number(t.n) };
}
