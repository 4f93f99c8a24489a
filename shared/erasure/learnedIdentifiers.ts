import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';

/**
 * Every identifier of the subject known before the erasure: the request's, plus the values of the
 * columns mapped to a learned kind in the found rows of the tables that `learn` it — the same
 * values discovery widened its search with. Proof of erasure searches again with all of them.
 */
export function learnedIdentifiers(
  dataMap: DataMap,
  findings: FindingsDocument,
  request: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const all = new Map<string, Set<string>>();
  const add = (kind: string, value: string) => {
    let set = all.get(kind);
    if (!set) {
      set = new Set();
      all.set(kind, set);
    }
    set.add(value);
  };
  for (const [kind, values] of Object.entries(request)) for (const v of values) add(kind, v);
  const specs = new Map<string, DataMap['postgres'][number] | DataMap['snowflake'][number]>([
    ...dataMap.postgres.map((s) => [`postgres:${s.table}`, s] as const),
    ...dataMap.snowflake.map((s) => [`snowflake:${s.table}`, s] as const),
  ]);
  for (const f of findings.findings) {
    const spec = specs.get(`${f.system}:${f.table}`);
    for (const kind of spec?.learn ?? [])
      for (const column of spec?.identities[kind] ?? []) {
        const value = f.row[column];
        if (typeof value === 'string' || typeof value === 'number') add(kind, String(value));
        else if (Array.isArray(value))
          for (const v of value) if (typeof v === 'string' || typeof v === 'number') add(kind, String(v));
      }
  }
  return Object.fromEntries(
    [...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]),
  );
}
