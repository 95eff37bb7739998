import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Installation } from './installation.entity';

// TypeORM's deep-partial type of the JSON `state` column is too deep for tsc to check (TS2589);
// the Partial<Installation> parameter checks the shape instead.
export function installationPatch(patch: Partial<Installation>): QueryDeepPartialEntity<Installation> {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it tsc fails with TS2589
  return patch as unknown as QueryDeepPartialEntity<Installation>;
}
