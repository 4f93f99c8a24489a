import { followersOf } from '../datamap/checkDataMapStructure';
import type { DataMap } from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import type { MirrorPair } from './compareMirror';

/** The data map's PostgreSQL tables that declare a Snowflake mirror, with the columns rows are identified by. */
export function mirrorPairs(map: DataMap): MirrorPair[] {
  return map.postgres.flatMap((spec) => {
    if (!spec.mirror) return [];
    const followed = followersOf(map, 'postgres', spec.table).map((ref) => parseColumnRef(ref).column);
    const keyColumns = [
      ...new Set([
        ...spec.primaryKey,
        ...Object.values(spec.identities).flat(),
        ...Object.keys(spec.follow),
        ...followed,
      ]),
    ];
    return [{ table: spec.table, mirror: spec.mirror, keyColumns, exclude: spec.exclude }];
  });
}
