import type { DataMap } from '../datamap/dataMapSchema';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import { pgKeyFilter } from './pgKeyFilter';
import { compositeEscapes, partialKeyMatches } from './planErasure';
import type { ErasureCatalog } from './readErasureCatalog';

/**
 * Rows {@link partialKeyMatches} would leave out because no found parent holds their composite
 * foreign key's pair, which the key does not bind at all: a NULL in another of its columns
 * (`(NULL, 101)`), which a foreign key does not check (`MATCH SIMPLE`, PostgreSQL's default). Such a
 * row is the subject's when no row of the referenced table outside the subject's findings holds the
 * followed value: what the access answer's follow guard judges too, so the erasure removes (and the
 * proof looks for) the rows the access answer gave the subject, and keeps a row whose value another
 * person's row also holds (`(NULL, 100)` beside another tenant's order 100). One statement per
 * foreign key and followed column, values and keys bound.
 */
export async function unboundOwnRows(
  db: Pick<PgDatabase, 'query'>,
  dataMap: DataMap,
  catalog: ErasureCatalog,
  findings: FindingsDocument,
  parentsFrom: FindingsDocument = findings,
): Promise<Set<Finding>> {
  const own = new Set<Finding>();
  const groups = new Map<string, { refTable: string; refColumn: string; byValue: Map<string, Finding[]> }>();
  for (const f of partialKeyMatches(findings, catalog, parentsFrom))
    for (const { fk, column } of compositeEscapes(f, catalog)) {
      const value = f.row[column];
      const unbound = fk.columns.some((c) => c !== column && (f.row[c] ?? null) === null);
      if (!unbound || value === null || value === undefined || typeof value === 'object') continue;
      const refColumn = fk.refColumns[fk.columns.indexOf(column)] as string;
      const id = `${fk.refTable}\u0000${refColumn}`;
      const group = groups.get(id) ?? { refTable: fk.refTable, refColumn, byValue: new Map() };
      groups.set(id, group);
      const list = group.byValue.get(String(value)) ?? [];
      list.push(f);
      group.byValue.set(String(value), list);
    }
  for (const { refTable, refColumn, byValue } of groups.values()) {
    const live = catalog.tables.get(refTable);
    const spec = dataMap.postgres.find((t) => t.table === refTable);
    const type = live?.columns.find((c) => c.name === refColumn)?.castType;
    // A parent table without a key cannot say which of its rows are the subject's: left out.
    if (!live || !spec || spec.primaryKey.length === 0 || !type) continue;
    const parents = parentsFrom.findings.filter((p) => p.system === 'postgres' && p.table === refTable);
    const mine =
      parents.length > 0
        ? pgKeyFilter(
            live,
            spec.primaryKey,
            parents.map((p) => p.key),
            2,
            'p',
          )
        : undefined;
    const values = [...byValue.keys()];
    // The values some row of the parent table outside the subject's findings also holds.
    const held = await db.query<{ v: string }>(
      `SELECT v FROM unnest($1::text[]) AS v WHERE EXISTS (SELECT 1 FROM ${quoteIdent(live.schema)}.${quoteIdent(live.name)} p WHERE p.${quoteIdent(refColumn)} = v::${type}${mine ? ` AND NOT (${mine.sql})` : ''})`,
      [values, ...(mine?.params ?? [])],
    );
    const others = new Set(held.rows.map((r) => r.v));
    for (const [value, rows] of byValue) if (!others.has(value)) for (const f of rows) own.add(f);
  }
  return own;
}
