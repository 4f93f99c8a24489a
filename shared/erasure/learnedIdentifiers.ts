import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';

/**
 * Every identifier of the subject known before the erasure: the request's, plus the values of the
 * columns mapped to a learned kind in the found rows of the tables that `learn` it that discovery
 * widened its search with (`followed`, discovery's `identities`: a value the learning guard refused
 * as shared with other people is not the subject's identifier, and searching with it would lead the
 * proof to their rows). Values are kept as the rows hold them. Proof of erasure searches again with
 * all of them. Without `followed`, every learned value in the found rows, followed or not.
 */
export function learnedIdentifiers(
  dataMap: DataMap,
  findings: FindingsDocument,
  request: Readonly<Record<string, readonly string[]>>,
  followed?: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const searched = new Map(Object.entries(followed ?? {}).map(([kind, values]) => [kind, new Set(values)]));
  const wasFollowed = (kind: string, value: string) => {
    if (!followed) return true;
    const identity = dataMap.identities[kind];
    return (
      searched.get(kind)?.has(normalizeIdentifier(value, identity?.normalize ?? 'none', identity?.region)) ===
      true
    );
  };
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
        const values = Array.isArray(value) ? value : [value];
        for (const v of values)
          if ((typeof v === 'string' || typeof v === 'number') && wasFollowed(kind, String(v)))
            add(kind, String(v));
      }
  }
  return Object.fromEntries(
    [...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]),
  );
}
