import type { ErasureCatalog } from './readErasureCatalog';

/** The names of the row-security policies on `table`, for a message: `a, b`, or `none`. */
export function policiesOn(catalog: ErasureCatalog, table: string): string {
  const names = catalog.sideEffects
    .filter((e) => e.kind === 'policy' && e.table === table)
    .map((e) => e.name);
  return names.length > 0 ? [...new Set(names)].join(', ') : 'none';
}
