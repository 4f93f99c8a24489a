import { rowSecurityActive } from '../postgres/rowSecurityActive';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { policiesOn } from './policiesOn';
import type { ErasureCatalog, PgQueryable } from './readErasureCatalog';

/**
 * Discovery and the proof read through the reading role: a row-security policy that hides some of
 * the subject's rows from it hides them from the plan and from the proof alike, and the erasure
 * would be certified with those rows left. So every PostgreSQL table the plan deletes from or masks
 * (with rows found or not: the rows may all be hidden) must be read without row security. Each one
 * read with it stops the plan (`ROWS_HIDDEN`), naming the table and its policies.
 */
export async function checkReaderRowSecurity(
  reader: PgQueryable,
  catalog: ErasureCatalog,
  plan: ErasurePlan,
): Promise<ErasureProblem[]> {
  const erased = plan.tables
    .filter((t) => t.system === 'postgres' && (t.action === 'delete' || t.action === 'mask'))
    .map((t) => t.table);
  const active = await rowSecurityActive(reader, catalog, erased);
  return [...active].sort().map((table) => ({
    system: 'postgres' as const,
    table,
    code: 'ROWS_HIDDEN' as const,
    message: `row security is active for the reading role on it (policies: ${policiesOn(catalog, table)}): discovery and the proof may not see every row of the subject there, and would certify an erasure with those rows left; give the reading role BYPASSRLS, or a policy that shows it every row`,
  }));
}
