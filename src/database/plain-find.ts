import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { preparedRead } from './prepared-reads';

type Where<T> = Partial<Record<keyof T & string, string | string[]>>;

const sqlCache = new Map<string, string>();

/**
 * Rows of one entity matching column = value (or IN a list), hydrated by the driver exactly as a
 * repository `find` would, but without the query builder: on the install URL's two reads per call,
 * building the query cost four times what SQLite took to run it. Only for plain equality on the
 * entity's own columns; anything else goes through the repository.
 */
export async function plainFind<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, where: Where<T>, limit?: number): Promise<T[]> {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const entries = Object.entries(where) as [string, string | string[]][];
  const shape = `${metadata.name}|${entries.map(([key, value]) => `${key}:${Array.isArray(value) ? value.length : '='}`).join(',')}|${limit ?? ''}`;
  let sql = sqlCache.get(shape);
  if (sql === undefined) {
    let n = 0;
    const placeholder = (): string => (driver.options.type === 'postgres' ? `$${++n}` : '?');
    const conditions = entries.map(([key, value]) => {
      const column = metadata.findColumnWithPropertyName(key);
      if (!column) {
        throw new Error(`${metadata.name} has no column ${key}`);
      }
      const name = driver.escape(column.databaseName);
      return Array.isArray(value) ? `${name} IN (${value.map(placeholder).join(', ')})` : `${name} = ${placeholder()}`;
    });
    const columns = metadata.columns.map((c) => driver.escape(c.databaseName)).join(', ');
    sql = `SELECT ${columns} FROM ${driver.escape(metadata.tableName)} WHERE ${conditions.join(' AND ')}${limit === undefined ? '' : ` LIMIT ${limit}`}`;
    sqlCache.set(shape, sql);
  }
  if (entries.some(([, value]) => Array.isArray(value) && value.length === 0)) {
    // an empty IN list matches nothing (and is not valid SQL)
    return [];
  }
  const parameters = entries.flatMap(([, value]) => (Array.isArray(value) ? value : [value]));
  const rows = await preparedRead(manager, sql, parameters);
  return rows.map((row) => {
    const entity = metadata.create() as T;
    for (const column of metadata.columns) {
      column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return entity;
  });
}
