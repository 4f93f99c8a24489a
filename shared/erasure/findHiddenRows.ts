import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import { rowSecurityActive } from '../postgres/rowSecurityActive';
import type { PlannedTable } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { pgKeyFilter } from './pgKeyFilter';
import { policiesOn } from './policiesOn';
import type { ErasureCatalog, PgQueryable } from './readErasureCatalog';

/**
 * Planned rows the erasure role could not lock are counted as already erased, which is right only
 * when they are gone. Under row security they may be there and hidden from the role: its DELETE or
 * UPDATE would then skip them without an error. For each table with such rows (`missing`) where row
 * security is active for the erasure role (`client`, inside the change's transaction), the planned
 * keys are counted again through the reading connection (`reader`, which the plan's own check
 * requires to read without row security); rows it sees and the erasure role does not stop the change
 * (`ROWS_HIDDEN`), naming the table, the count and its policies. A keyless table's rows cannot be
 * counted by key: with row security active there, any missing row stops it.
 */
export async function findHiddenRows(
  client: PgQueryable,
  reader: PgDatabase,
  catalog: ErasureCatalog,
  missing: readonly PlannedTable[],
): Promise<ErasureProblem[]> {
  if (missing.length === 0) return [];
  const active = await rowSecurityActive(
    client,
    catalog,
    missing.map((t) => t.table),
  );
  const problems: ErasureProblem[] = [];
  for (const table of missing) {
    const live = catalog.tables.get(table.table);
    if (!live || !active.has(table.table)) continue;
    const statement = table.action === 'mask' ? 'UPDATE' : 'DELETE';
    const fix = `its ${statement} would skip them and leave them in place; let a policy show the erasure role every row of the subject, or give it BYPASSRLS`;
    if (table.primaryKey.length === 0) {
      problems.push({
        system: 'postgres',
        table: table.table,
        code: 'ROWS_HIDDEN',
        message: `row security is active for the erasure role on this table without a key (policies: ${policiesOn(catalog, table.table)}) and some planned rows are not visible to it: rows it hides cannot be told from rows already erased; ${fix}`,
      });
      continue;
    }
    const filter = pgKeyFilter(
      live,
      table.primaryKey,
      table.rows.map((r) => r.key),
      1,
    );
    const rows = `SELECT 1 FROM ${quoteIdent(live.schema)}.${quoteIdent(live.name)} WHERE ${filter.sql}`;
    const [seen, exist] = await Promise.all([
      // As the lock saw them: FOR UPDATE reads through the UPDATE policies as well as the SELECT ones.
      client.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${rows} FOR UPDATE) AS r`, filter.params),
      reader.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${rows}) AS r`, filter.params),
    ]);
    const hidden = Number(exist.rows[0]?.n ?? 0) - Number(seen.rows[0]?.n ?? 0);
    if (hidden > 0)
      problems.push({
        system: 'postgres',
        table: table.table,
        code: 'ROWS_HIDDEN',
        message: `row security hides ${hidden} of the ${table.rows.length} planned row(s) from the erasure role (policies on it: ${policiesOn(catalog, table.table)}; a command without a policy of its own sees no row): ${fix}`,
      });
  }
  return problems;
}
