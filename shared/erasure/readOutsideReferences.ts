import type { CanonicalRow } from '../canonical/CanonicalValue';
import type { DataMap } from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import type { PgColumn } from '../postgres/readPgCatalog';
import { keyText } from './keyText';
import { pgKeyFilter } from './pgKeyFilter';
import { readCanonicalRows } from './readCanonicalRows';
import type { ErasureCatalog } from './readErasureCatalog';
import { rowHash } from './rowHash';

/** Rows of mapped tables outside the subject's findings that lead to a found row, per table. */
export type OutsideReferences = ReadonlyMap<Finding, Readonly<Record<string, number>>>;

/** One way rows of `from` lead to rows of `to`: `from.fromColumns = to.toColumns`. */
interface Reference {
  readonly from: string;
  readonly fromColumns: readonly string[];
  readonly to: string;
  readonly toColumns: readonly string[];
}

/**
 * Finds the subject's rows that other people's rows lead to (a household address two customers'
 * rows point at, a joint account two holders' rows point at), on the live data. Looked at: found
 * PostgreSQL rows of a keyed table that discovery reached only through follow edges (a row matched
 * by the subject's own identifier is the subject's record, whoever points at it; the plan's checks
 * refuse a delete that would change such a pointer). Leading to them: every foreign key into their
 * table from a table the data map names, and every follow edge of their table whose other end is not
 * that table's key (`address.id` follows `customer.address_id`). A referencing row counts when it is
 * not among the subject's findings of its table. Tables the data map does not name are left to the
 * plan's checks (a row there may be the subject's, missing from the map). Counts only.
 */
export async function readOutsideReferences(
  db: Pick<PgDatabase, 'queryRaw' | 'types'>,
  dataMap: DataMap,
  catalog: ErasureCatalog,
  findings: FindingsDocument,
): Promise<OutsideReferences> {
  const out = new Map<Finding, Record<string, number>>();
  const specs = new Map(dataMap.postgres.map((s) => [s.table, s]));
  const byTable = new Map<string, Finding[]>();
  for (const f of findings.findings) {
    if (f.system !== 'postgres') continue;
    const list = byTable.get(f.table) ?? [];
    list.push(f);
    byTable.set(f.table, list);
  }
  for (const [table, found] of byTable) {
    const spec = specs.get(table);
    const live = catalog.tables.get(table);
    if (!spec || !live || spec.primaryKey.length === 0) continue;
    const candidates = found.filter((f) => !f.provenance.some((p) => p.via === 'identity'));
    if (candidates.length === 0) continue;
    for (const ref of referencesInto(dataMap, catalog, table)) {
      const fromSpec = specs.get(ref.from);
      const fromLive = catalog.tables.get(ref.from);
      if (!fromSpec || !fromLive) continue;
      const own = new Set(
        (byTable.get(ref.from) ?? []).map((f) =>
          fromSpec.primaryKey.length > 0 ? keyText(f.row, fromSpec.primaryKey) : rowHash(f.row),
        ),
      );
      const returned = fromLive.columns.filter(
        (c) => !fromSpec.exclude.includes(c.name) && (!fromSpec.columns || fromSpec.columns.includes(c.name)),
      );
      const fromColumns =
        fromSpec.primaryKey.length > 0
          ? fromSpec.primaryKey.map((n) => fromLive.columns.find((c) => c.name === n) as PgColumn)
          : returned;
      const filter = pgKeyFilter(
        live,
        spec.primaryKey,
        candidates.map((f) => f.key),
        1,
        'p',
      );
      const join = ref.fromColumns
        .map((c, i) => `c.${quoteIdent(c)} = p.${quoteIdent(ref.toColumns[i] as string)}`)
        .join(' AND ');
      const select = [
        ...spec.primaryKey.map((k) => `p.${quoteIdent(k)} AS ${quoteIdent(`p$${k}`)}`),
        ...fromColumns.map((c) => `c.${quoteIdent(c.name)} AS ${quoteIdent(`c$${c.name}`)}`),
      ];
      const result = await db.queryRaw(
        `SELECT ${select.join(', ')} FROM ${quoteIdent(fromLive.schema)}.${quoteIdent(fromLive.name)} c JOIN ${quoteIdent(live.schema)}.${quoteIdent(live.name)} p ON ${join} WHERE ${filter.sql}`,
        filter.params,
      );
      const outside = new Map<string, Set<string>>();
      for (const { row } of await readCanonicalRows(db.types, result)) {
        const parent = strip(row, 'p$');
        const child = strip(row, 'c$');
        const childId = fromSpec.primaryKey.length > 0 ? keyText(child, fromSpec.primaryKey) : rowHash(child);
        if (own.has(childId)) continue;
        const parentId = keyText(parent, spec.primaryKey);
        const set = outside.get(parentId) ?? new Set<string>();
        set.add(childId);
        outside.set(parentId, set);
      }
      for (const f of candidates) {
        const n = outside.get(keyText(f.key, spec.primaryKey))?.size ?? 0;
        if (n === 0) continue;
        const counts = out.get(f) ?? {};
        counts[ref.from] = (counts[ref.from] ?? 0) + n;
        out.set(f, counts);
      }
    }
  }
  return out;
}

/**
 * The ways rows of mapped tables lead to rows of `table`: foreign keys into it, and its follow edges
 * from a key column of `table` to a column outside the other table's key (`orders.customer_id`
 * follows `customer.id`: orders point at customers, not the other way round). One entry per pair of
 * column lists.
 */
export function referencesInto(dataMap: DataMap, catalog: ErasureCatalog, table: string): Reference[] {
  const mapped = new Map(dataMap.postgres.map((s) => [s.table, s]));
  const refs = new Map<string, Reference>();
  const add = (r: Reference) => {
    refs.set(`${r.from}|${r.fromColumns.join(',')}|${r.toColumns.join(',')}`, r);
  };
  for (const fk of catalog.foreignKeys)
    if (fk.refTable === table && mapped.has(fk.table))
      add({ from: fk.table, fromColumns: fk.columns, to: table, toColumns: fk.refColumns });
  for (const [column, targets] of Object.entries(mapped.get(table)?.follow ?? {}))
    for (const target of targets) {
      const ref = parseColumnRef(target);
      const other = mapped.get(ref.table);
      if (ref.system !== 'postgres' || !other) continue;
      // Only an edge from a plain column to this table's key leads here (`address.id` follows
      // `customer.address_id`); one onto the other table's key points the other way. Except when
      // this table's single key follows a column that is only part of the other's composite key
      // (`groups.id` following `group_members.group_id`, keyed by the group and the member): that
      // column names no row alone, and several people's rows lead to one group.
      const own = mapped.get(table)?.primaryKey ?? [];
      if (!own.includes(column)) continue;
      const ownSingle = own.length === 1;
      const otherSingle = other.primaryKey.length === 1 && other.primaryKey[0] === ref.column;
      if (other.primaryKey.includes(ref.column) && (otherSingle || !ownSingle)) continue;
      add({ from: ref.table, fromColumns: [ref.column], to: table, toColumns: [column] });
    }
  return [...refs.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

function strip(row: CanonicalRow, prefix: string): CanonicalRow {
  const out: CanonicalRow = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
