import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

// TypeORM's deep-partial type of a JSON column (JsonValue is recursive) is too deep for tsc to
// check; the caller states the full row type instead.
export function insertable<T>(row: T): QueryDeepPartialEntity<T> {
  return row as unknown as QueryDeepPartialEntity<T>;
}
