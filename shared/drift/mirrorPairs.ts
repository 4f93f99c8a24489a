import type { DataMap } from '../datamap/dataMapSchema';
import type { MirrorPair } from './compareMirror';

/** The data map's PostgreSQL tables that declare a Snowflake mirror, with the columns rows are identified by. */
export function mirrorPairs(map: DataMap): MirrorPair[] {
  return map.postgres.flatMap((spec) => {
    if (!spec.mirror) return [];
    const followed = map.postgres.flatMap((other) =>
      Object.values(other.follow)
        .filter((ref) => ref.slice(0, ref.lastIndexOf('.')) === spec.table)
        .map((ref) => ref.slice(spec.table.length + 1)),
    );
    const keyColumns = [
      ...new Set([
        ...spec.primaryKey,
        ...Object.values(spec.identities),
        ...Object.keys(spec.follow),
        ...followed,
      ]),
    ];
    return [{ table: spec.table, mirror: spec.mirror, keyColumns, exclude: spec.exclude }];
  });
}
