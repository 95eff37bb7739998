import type { Database, Statement } from 'sqlite3';
import type { EntityManager } from 'typeorm';

type Row = Record<string, unknown>;

/** Statements kept per SQLite connection (least recently prepared finalized first). */
const MAX_SQLITE_STATEMENTS = 64;
/** Statement shapes named (prepared once per connection) on PostgreSQL; others run unnamed. */
const MAX_PG_NAMES = 256;

const sqliteStatements = new WeakMap<Database, Map<string, Promise<Statement>>>();
const pgNames = new Map<string, string>();

interface PgPool {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * A read outside any transaction's connection, with its statement prepared once per connection:
 * node-sqlite3 otherwise prepares, runs and finalizes each statement, three round trips to its
 * thread pool, and PostgreSQL parses and plans it every time (issue 10: the install URL's two
 * reads per call). TypeORM's logger still sees every statement. Inside a transaction (a manager
 * with its own query runner) the read goes through TypeORM on that runner.
 */
export async function preparedRead(manager: EntityManager, sql: string, parameters: unknown[]): Promise<Row[]> {
  const connection = manager.connection;
  if (manager.queryRunner) {
    return manager.query<Row[]>(sql, parameters);
  }
  connection.logger.logQuery(sql, parameters);
  try {
    if (connection.options.type === 'postgres') {
      return await pgRead((connection.driver as unknown as { master: PgPool }).master, sql, parameters);
    }
    return await sqliteRead((connection.driver as unknown as { databaseConnection: Database }).databaseConnection, sql, parameters);
  } catch (err) {
    connection.logger.logQueryError(err instanceof Error ? err : String(err), sql, parameters);
    throw err;
  }
}

async function pgRead(pool: PgPool, sql: string, parameters: unknown[]): Promise<Row[]> {
  let name = pgNames.get(sql);
  if (name === undefined && pgNames.size < MAX_PG_NAMES) {
    name = `prepared_read_${pgNames.size + 1}`;
    pgNames.set(sql, name);
  }
  return (await pool.query(name === undefined ? { text: sql, values: parameters } : { name, text: sql, values: parameters })).rows;
}

function sqliteRead(db: Database, sql: string, parameters: unknown[]): Promise<Row[]> {
  const statements = statementsOf(db);
  let statement = statements.get(sql);
  if (statement === undefined) {
    if (statements.size >= MAX_SQLITE_STATEMENTS) {
      const [oldest, old] = statements.entries().next().value as [string, Promise<Statement>];
      statements.delete(oldest);
      old.then((s) => s.finalize(), () => undefined);
    }
    const prepared = new Promise<Statement>((resolve, reject) => {
      const created: Statement = db.prepare(sql, (err: Error | null) => (err ? reject(err) : resolve(created)));
    });
    // a statement that does not prepare is not kept (its error goes to this call)
    prepared.catch(() => statements.get(sql) === prepared && statements.delete(sql));
    statements.set(sql, prepared);
    statement = prepared;
  }
  return statement.then(
    (prepared) =>
      new Promise<Row[]>((resolve, reject) => {
        prepared.all(parameters, (err: Error | null, rows: Row[]) => (err ? reject(err) : resolve(rows)));
      }),
  );
}

/** The connection's statements; its `close` finalizes them first (SQLite refuses to close with statements open). */
function statementsOf(db: Database): Map<string, Promise<Statement>> {
  const known = sqliteStatements.get(db);
  if (known) {
    return known;
  }
  const kept = new Map<string, Promise<Statement>>();
  sqliteStatements.set(db, kept);
  const close = db.close.bind(db);
  db.close = ((callback?: (err: Error | null) => void) => {
    const open = [...kept.values()];
    kept.clear();
    void Promise.allSettled(open)
      .then((settled) =>
        Promise.all(
          settled.flatMap((s) => (s.status === 'fulfilled' ? [new Promise<void>((done) => s.value.finalize(() => done()))] : [])),
        ),
      )
      .then(() => close(callback));
    return db;
  });
  return kept;
}
