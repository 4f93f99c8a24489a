import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import type { ErasurePlan } from './ErasurePlan';

/** A table where data about the subject is still findable after the erasure. */
export interface Remaining {
  readonly system: System;
  readonly table: string;
  readonly rows: number;
  /**
   * `found_beyond_map`: in a table an acknowledged trigger writes to or a materialized view over a
   * table the map erases rows of, not refreshed since (see `searchTriggerTargets`) or,
   * with `column`, in a text column the opt-in scan read (`scanTextColumns`); `scan_incomplete`: a
   * table that scan could not finish within its timeout, or a materialized view over a table the
   * map erases rows of that the reading role may not read; `identifier_in_masked_column` /
   * `identifier_in_unmasked_column`: a masked row found again holds one of the subject's identifiers
   * in a masked column, or in an identity column its rule leaves unmasked.
   */
  readonly reason:
    | 'rows_remain'
    | 'identifier_in_masked_column'
    | 'identifier_in_unmasked_column'
    | 'no_erasure_rule'
    | 'found_beyond_map'
    | 'scan_incomplete';
  /** The column the opt-in text scan found the subject's identifier in. */
  readonly column?: string;
}

export interface ErasureVerification {
  readonly outcome: 'erased' | 'erasure_unverified';
  /** Tables where the subject is still findable (not counting retained tables); sorted. */
  readonly remaining: readonly Remaining[];
  /** Rows found again per table (retained tables included), for the receipt. */
  readonly refound: Readonly<Record<string, number>>;
}

/**
 * Proof by re-discovery. `discover` runs discovery again with every identifier known before the
 * erasure (see `learnedIdentifiers`). The subject is `erased` only when every table that is not
 * retained returns zero rows, except the rows the plan retained as shared with other people (by
 * key: reported in the plan and the receipt) and masked rows whose masked columns no longer hold any of the
 * identifiers; otherwise `erasure_unverified`, naming the tables (a trigger that re-inserted a row, a
 * replica that lags, a table with no erasure rule).
 */
export async function verifyErasure(
  deps: {
    readonly dataMap: DataMap;
    readonly discover: (identifiers: Record<string, string[]>) => Promise<FindingsDocument>;
    /** Rows found again that are not the subject's (see `partialKeyMatches`). */
    readonly notSubject?: (again: FindingsDocument) => ReadonlySet<Finding> | Promise<ReadonlySet<Finding>>;
  },
  plan: ErasurePlan,
  identifiers: Record<string, string[]>,
): Promise<ErasureVerification> {
  const again = await deps.discover(identifiers);
  const known = Object.entries(identifiers).map(([kind, values]) => {
    const normalize = deps.dataMap.identities[kind]?.normalize ?? 'none';
    const region = deps.dataMap.identities[kind]?.region;
    return {
      normalize,
      region,
      values: new Set(values.map((v) => normalizeIdentifier(v, normalize, region))),
    };
  });
  const specs = new Map<string, DataMap['postgres'][number] | DataMap['snowflake'][number]>([
    ...deps.dataMap.postgres.map((s) => [`postgres:${s.table}`, s] as const),
    ...deps.dataMap.snowflake.map((s) => [`snowflake:${s.table}`, s] as const),
  ]);
  const refound: Record<string, number> = {};
  const remaining = new Map<string, Remaining>();
  const count = (system: System, table: string, reason: Remaining['reason']) => {
    const id = `${system}:${table}`;
    const r = remaining.get(id);
    remaining.set(id, { system, table, rows: (r?.rows ?? 0) + 1, reason });
  };
  const skip = (await deps.notSubject?.(again)) ?? new Set<Finding>();
  // Rows the plan retained because they are shared with other people: reported, not leftovers.
  const sharedRetained = new Set(
    plan.tables.flatMap((t) =>
      (t.shared?.retained ?? []).map((r) => `${t.system}:${t.table}:${canonicalJson(r.key)}`),
    ),
  );
  for (const f of again.findings) {
    if (skip.has(f)) continue;
    const id = `${f.system}:${f.table}`;
    refound[id] = (refound[id] ?? 0) + 1;
    if (sharedRetained.size > 0 && sharedRetained.has(`${id}:${canonicalJson(f.key)}`)) continue;
    const rule = specs.get(id)?.erasure;
    if (!rule) count(f.system, f.table, 'no_erasure_rule');
    else if (rule.action === 'delete') count(f.system, f.table, 'rows_remain');
    else if (rule.action === 'mask') {
      const holds = (column: string) => {
        const value = f.row[column];
        if (typeof value !== 'string' && typeof value !== 'number') return false;
        return known.some((k) => k.values.has(normalizeIdentifier(String(value), k.normalize, k.region)));
      };
      // A masked row must hold none of the subject's identifiers: in the columns masked, nor in an
      // identity column the rule leaves as it was (the row would still be the subject's, found by
      // it), its own key aside (a key cannot be masked: a masked row keeps it).
      const spec = specs.get(id);
      const masked = Object.keys(rule.columns);
      const identity = Object.values(spec?.identities ?? {})
        .flat()
        .filter((c) => !masked.includes(c) && !(spec?.primaryKey ?? []).includes(c));
      if (masked.some(holds)) count(f.system, f.table, 'identifier_in_masked_column');
      else if (identity.some(holds)) count(f.system, f.table, 'identifier_in_unmasked_column');
    }
  }
  // Tables the plan erased that discovery no longer finds anything in count as 0.
  for (const t of plan.tables) refound[`${t.system}:${t.table}`] ??= 0;
  const sorted = [...remaining.values()].sort((a, b) =>
    a.system < b.system ? -1 : a.system > b.system ? 1 : a.table < b.table ? -1 : a.table > b.table ? 1 : 0,
  );
  return {
    outcome: sorted.length === 0 ? 'erased' : 'erasure_unverified',
    remaining: sorted,
    refound: Object.fromEntries(Object.entries(refound).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
