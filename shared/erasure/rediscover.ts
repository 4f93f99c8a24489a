import type { CanonicalValue } from '../canonical/CanonicalValue';
import { followersOf } from '../datamap/checkDataMapStructure';
import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import { normalizeSubject } from '../discovery/discoverSubject';
import { buildFindingsDocument, type FindingsDocument } from '../discovery/FindingsDocument';
import { columnKey, identityKey, planSearch } from '../discovery/planSearch';
import type { TableSearcher } from '../discovery/SearchableTable';
import { traverse } from '../discovery/traverse';
import { subjectHash } from '../identity/subjectHash';

/**
 * Discovery for the proof of erasure. It starts from every identifier known before the erasure AND
 * from the values of every followed column in the rows found then (an order's `customer_id` is found
 * by the customer's id even though the customer row is gone), so a row re-inserted under an old key
 * is found too. The document's subject hash is that of the identifiers.
 */
export async function rediscover(
  deps: {
    readonly dataMap: DataMap;
    readonly searchers: Partial<Record<System, TableSearcher>>;
    readonly subjectHashKey: string | Buffer;
  },
  input: {
    readonly requestId: string;
    readonly findings: FindingsDocument;
    readonly identifiers: Record<string, string[]>;
  },
): Promise<FindingsDocument> {
  const normalized = normalizeSubject(deps.dataMap, input.identifiers);
  const seeds = new Map<string, Set<string>>(
    Object.entries(normalized).map(([kind, values]) => [identityKey(kind), new Set(values)]),
  );
  const specs = [
    ...deps.dataMap.postgres.map((s) => ({ system: 'postgres' as const, spec: s })),
    ...deps.dataMap.snowflake.map((s) => ({ system: 'snowflake' as const, spec: s })),
  ];
  for (const { system, spec } of specs) {
    const refs = followersOf(deps.dataMap, system, spec.table);
    if (refs.length === 0) continue;
    for (const f of input.findings.findings) {
      if (f.system !== system || f.table !== spec.table) continue;
      for (const ref of refs) {
        const column = ref.split('.').at(-1) as string;
        for (const value of scalars(f.row[column] ?? null)) {
          const key = columnKey(system, ref);
          let set = seeds.get(key);
          if (!set) {
            set = new Set();
            seeds.set(key, set);
          }
          set.add(value);
        }
      }
    }
  }
  const result = await traverse(
    planSearch(deps.dataMap),
    new Map([...seeds].map(([k, v]) => [k, [...v].sort()])),
    // As the plan's discovery (`planSubjectErasure`): the proof reaches every row a follow reaches.
    { searchers: deps.searchers, followGuard: false },
  );
  return buildFindingsDocument({
    requestId: input.requestId,
    subjectHash: subjectHash(deps.subjectHashKey, normalized),
    tables: result.tables,
  });
}

function scalars(value: CanonicalValue): string[] {
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(scalars);
  return [];
}
