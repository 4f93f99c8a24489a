import { followersOf } from '../datamap/checkDataMapStructure';
import type { DataMap } from '../datamap/dataMapSchema';
import type { Finding } from '../discovery/FindingsDocument';
import type { ErasureCatalog } from './readErasureCatalog';

/**
 * Which findings an erasure needs besides its plan (which holds every key and row hash): the rows
 * of a keyless PostgreSQL table (the change locates them through the column that found them), of a
 * table the data map follows (the proof starts from their followed values, so a row re-inserted
 * under an erased key is found), and of a table a composite foreign key references (the proof tells
 * other people's rows reached through part of it). Every other finding is needed only for the
 * valueless evidence, which is read part by part: an erase invocation holds these, not the
 * subject's whole findings.
 */
export function findingsErasureNeeds(
  dataMap: DataMap,
  catalog: ErasureCatalog,
): (finding: Pick<Finding, 'system' | 'table'>) => boolean {
  const keyless = new Set(
    dataMap.postgres.filter((s) => !s.primaryKey?.length).map((s) => `postgres:${s.table}`),
  );
  const followed = new Set(
    [
      ...dataMap.postgres.map((s) => ({ system: 'postgres' as const, table: s.table })),
      ...dataMap.snowflake.map((s) => ({ system: 'snowflake' as const, table: s.table })),
    ]
      .filter((t) => followersOf(dataMap, t.system, t.table).length > 0)
      .map((t) => `${t.system}:${t.table}`),
  );
  const compositeParents = new Set(
    catalog.foreignKeys.filter((fk) => fk.columns.length > 1).map((fk) => `postgres:${fk.refTable}`),
  );
  return (finding) => {
    const id = `${finding.system}:${finding.table}`;
    return keyless.has(id) || followed.has(id) || compositeParents.has(id);
  };
}
