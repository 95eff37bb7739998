import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Installation } from './installation.entity';

// TypeORM's deep-partial type of the JSON `state` column is too deep for tsc to check;
// `satisfies` at the call site checks the shape instead.
export function installationPatch(patch: Partial<Installation>): QueryDeepPartialEntity<Installation> {
  return patch as unknown as QueryDeepPartialEntity<Installation>;
}
