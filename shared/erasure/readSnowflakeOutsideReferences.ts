import type { CanonicalValue } from '../canonical/CanonicalValue';
import type { DataMap } from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import { columnKey, planSearch } from '../discovery/planSearch';
import type { TableSearcher } from '../discovery/SearchableTable';
import { keyText } from './keyText';
import type { OutsideReferences } from './readOutsideReferences';
import { rowHash } from './rowHash';

/**
 * Finds the subject's Snowflake rows that other people's Snowflake rows lead to through the data
 * map's follow edges (`ADDRESSES.ID` follows `CUSTOMERS.ADDRESS_ID`: another customer's row points
 * at the subject's address), as `readOutsideReferences` does for PostgreSQL. Snowflake enforces no
 * foreign keys, so the follow edges are the only references there are to read. Looked at: found
 * rows of a keyed Snowflake table that discovery reached only through follow edges (a row matched by
 * the subject's identifier is the subject's record); leading to them: each follow edge of their
 * table from one of its key columns to a column outside another mapped Snowflake table's key. The
 * rows of that table holding the followed values are read through the Snowflake searcher (the same
 * match discovery uses) and count when they are not among the subject's findings. Counts only.
 */
export async function readSnowflakeOutsideReferences(
  searcher: TableSearcher,
  dataMap: DataMap,
  findings: FindingsDocument,
): Promise<OutsideReferences> {
  const out = new Map<Finding, Record<string, number>>();
  const specs = new Map(dataMap.snowflake.map((s) => [s.table, s]));
  const byTable = new Map<string, Finding[]>();
  for (const f of findings.findings) {
    if (f.system !== 'snowflake') continue;
    const list = byTable.get(f.table) ?? [];
    list.push(f);
    byTable.set(f.table, list);
  }
  const searchable = new Map(
    planSearch(dataMap)
      .filter((t) => t.system === 'snowflake')
      .map((t) => [t.table, t]),
  );
  for (const [table, found] of byTable) {
    const spec = specs.get(table);
    if (!spec || spec.primaryKey.length === 0) continue;
    const candidates = found.filter((f) => !f.provenance.some((p) => p.via === 'identity'));
    if (candidates.length === 0) continue;
    for (const [column, targets] of Object.entries(spec.follow))
      for (const target of targets) {
        const ref = parseColumnRef(target);
        const other = specs.get(ref.table);
        const from = searchable.get(ref.table);
        // Only an edge from this table's key to a plain column of the other table leads here.
        if (ref.system !== 'snowflake' || !other || !from) continue;
        if (!spec.primaryKey.includes(column) || other.primaryKey.includes(ref.column)) continue;
        const values = [...new Set(candidates.flatMap((f) => scalar(f.row[column] ?? null)))];
        if (values.length === 0) continue;
        const own = new Set((byTable.get(ref.table) ?? []).map((f) => idOf(f.row, other.primaryKey)));
        const outside = new Map<string, Set<string>>();
        await searcher.search(
          from,
          {
            valueKey: columnKey('snowflake', `${table}.${column}`),
            column: ref.column,
            normalize: 'none',
            reason: { via: 'follow', from: `snowflake:${table}.${column}` },
          },
          values,
          (rows) => {
            for (const { row } of rows) {
              const child = idOf(row, other.primaryKey);
              if (own.has(child)) continue;
              for (const v of scalar(row[ref.column] ?? null)) {
                const set = outside.get(v) ?? new Set<string>();
                set.add(child);
                outside.set(v, set);
              }
            }
          },
        );
        for (const f of candidates) {
          const n = new Set(scalar(f.row[column] ?? null).flatMap((v) => [...(outside.get(v) ?? [])])).size;
          if (n === 0) continue;
          const counts = out.get(f) ?? {};
          counts[ref.table] = (counts[ref.table] ?? 0) + n;
          out.set(f, counts);
        }
      }
  }
  return out;
}

/** A row's identity among its table's rows: its key, or (keyless) the hash of the whole row. */
function idOf(row: Finding['row'], primaryKey: readonly string[]): string {
  return primaryKey.length > 0 ? keyText(row, primaryKey) : rowHash(row);
}

function scalar(value: CanonicalValue): string[] {
  return typeof value === 'string' || typeof value === 'number' ? [String(value)] : [];
}
