import type { DataMap } from '../datamap/dataMapSchema';
import { rowSecurityActive } from '../postgres/rowSecurityActive';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { policiesOn } from './policiesOn';
import type { ErasureCatalog, PgQueryable } from './readErasureCatalog';

/**
 * Discovery, the plan's checks and the proof read through the reading role: a row-security policy
 * that hides rows from it hides them from all of them, without an error. So these tables must be
 * read without row security, and each one read with it stops the plan (`ROWS_HIDDEN`), naming the
 * table and its policies:
 * - every PostgreSQL table the data map names (with rows found or not: the rows may all be
 *   hidden), since a table the plan only reads decides which rows are shared (Ben's contact row
 *   holding the address Ana's user row holds, hidden, left the address to be deleted as hers);
 * - every table with a foreign key onto a table the plan deletes from or masks, in any schema,
 *   since its referencing rows are counted (a cascade from Ana's user row into Ben's comment on her
 *   wall was not counted where a policy hid the comment from the reading role, and deleted it).
 */
export async function checkReaderRowSecurity(
  reader: PgQueryable,
  dataMap: DataMap,
  catalog: ErasureCatalog,
  plan: ErasurePlan,
): Promise<ErasureProblem[]> {
  const erased = new Set(
    plan.tables
      .filter((t) => t.system === 'postgres' && (t.action === 'delete' || t.action === 'mask'))
      .map((t) => t.table),
  );
  const mapped = new Set(dataMap.postgres.map((t) => t.table));
  const referencing = new Map<string, string>();
  for (const fk of catalog.foreignKeys)
    if (erased.has(fk.refTable) && !mapped.has(fk.table) && !referencing.has(fk.table))
      referencing.set(fk.table, `${fk.name} onto ${fk.refTable}`);
  const active = await rowSecurityActive(reader, catalog, [...mapped, ...referencing.keys()]);
  return [...active].sort().map((table) => {
    const fk = referencing.get(table);
    return {
      system: 'postgres' as const,
      table,
      code: 'ROWS_HIDDEN' as const,
      message: fk
        ? `row security is active for the reading role on it (policies: ${policiesOn(catalog, table)}), and it refers to rows the plan changes (foreign key ${fk}): the rows of other people it hides would not be counted, and a cascade or SET NULL could reach them; give the reading role BYPASSRLS, or a policy that shows it every row`
        : `row security is active for the reading role on it (policies: ${policiesOn(catalog, table)}): discovery and the proof may not see every row of the subject there, nor the plan every row of other people that shares one of hers, and would certify an erasure with those rows left or another person's changed; give the reading role BYPASSRLS, or a policy that shows it every row`,
    };
  });
}
