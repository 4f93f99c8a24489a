import type { CanonicalObject, CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import { compareCanonical } from '../canonical/compareCanonical';
import { parseExactJson } from '../canonical/parseExactJson';
import type { System } from '../datamap/System';
import type { ProvenanceEntry } from '../discovery/Provenance';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, selectFindingsSql } from '../snowflake/statements';

/** A finding as it was landed in `DSR_FINDINGS`. */
export interface LoadedFinding {
  readonly system: System;
  readonly table: string;
  readonly key: CanonicalObject;
  readonly row: CanonicalRow;
  /** How the row was reached; empty for rows landed before findings carried it. */
  readonly provenance: readonly ProvenanceEntry[];
  readonly rowHash: string;
  readonly evidenceHash: string;
  /** UTC ISO-8601. */
  readonly discoveredAt: string;
  readonly loadedAt: string;
}

/**
 * Reads back a request's landed findings in canonical form, sorted by system, table and key: the
 * canonical JSON of each `row` is byte-identical to the one that was loaded (its SHA-256 is
 * `rowHash`).
 */
export async function readLoadedFindings(
  db: SnowflakeDatabase,
  at: LoadLocation,
  requestId: string,
): Promise<LoadedFinding[]> {
  const rows = await db.query(selectFindingsSql(at), [requestId]);
  return rows
    .map(loadedFindingOf)
    .sort(
      (a, b) => compareText(a.system, b.system) || compareText(a.table, b.table) || compareKeys(a.key, b.key),
    );
}

/** A row of `DSR_FINDINGS` (as `selectFindingsSql` selects it) as a loaded finding. */
export function loadedFindingOf(r: CanonicalRow): LoadedFinding {
  return {
    system: String(r.SYSTEM) as System,
    table: String(r.TABLE_NAME),
    key: parseExactJson(String(r.ROW_KEY)) as CanonicalObject,
    row: (r.ROW ?? {}) as CanonicalRow,
    provenance: (r.PROVENANCE ?? []) as unknown as ProvenanceEntry[],
    rowHash: String(r.ROW_HASH),
    evidenceHash: String(r.EVIDENCE_HASH),
    discoveredAt: String(r.DISCOVERED_AT),
    loadedAt: String(r.LOADED_AT),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: CanonicalObject, b: CanonicalObject): number {
  for (const column of Object.keys(a)) {
    const order = compareCanonical(a[column] ?? null, (b[column] ?? null) as CanonicalValue);
    if (order !== 0) return order;
  }
  return 0;
}
