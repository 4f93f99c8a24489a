import pLimit from 'p-limit';
import { type CanonicalValue, JsonNumber } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import type { ProvenanceEntry } from './Provenance';
import type {
  FoundRow,
  SearchableTable,
  SearchInput,
  System,
  TableSearcher,
  UnreadableRow,
  ValueKey,
} from './SearchableTable';

export interface TraverseOptions {
  /** Searchers by system; tables of a system without one are skipped and reported as not searched. */
  readonly searchers: Partial<Record<System, TableSearcher>>;
  /** Tables searched at once within one discovery. @default 4 */
  readonly tableConcurrency?: number;
}

/** A row found, with how it was reached. */
export interface TracedRow extends FoundRow {
  /** The matches that found the row in the round it was first found, sorted. */
  readonly provenance: readonly ProvenanceEntry[];
}

/** Rows found in one table. */
export interface TableResult {
  readonly system: System;
  readonly table: string;
  /**
   * Primary-key columns in the data map's order: findings are sorted by them in that order. Empty
   * for a keyless table, whose findings are sorted by their row identity (`KEYLESS_KEY`).
   */
  readonly primaryKey: readonly string[];
  readonly rows: readonly TracedRow[];
  /** Matching rows that could not be read (reported, not fatal); absent when there are none. */
  readonly unreadable?: readonly UnreadableRow[];
}

export interface TraverseResult {
  readonly tables: readonly TableResult[];
  /** Tables of the plan that were not searched because their system is not configured. */
  readonly notSearched: readonly { system: System; table: string }[];
  /** How many search rounds ran until no new value appeared. */
  readonly rounds: number;
}

/**
 * Breadth-first search to a fixed point: each round searches every table with the values it has not
 * yet been searched with; rows found yield new values (the identity kinds the table learns, the
 * columns other tables follow); the traversal ends when a round brings no new value. Every
 * (table, column, value) is searched at most once, so cycles in the data map terminate.
 *
 * Each row keeps the matches that found it in the round it was first found (its provenance): all
 * searches of a round see the same values, so that set does not depend on the order searches end.
 * Round 1 searches only the request's identifiers; an identity value searched in a later round is
 * one not in the request (request values were all searched in round 1), so it was learned.
 */
export async function traverse(
  plan: readonly SearchableTable[],
  seeds: ReadonlyMap<ValueKey, readonly string[]>,
  options: TraverseOptions,
): Promise<TraverseResult> {
  const pools = new Map<ValueKey, Set<string>>([...seeds].map(([k, v]) => [k, new Set(v)]));
  const searched = new Map<string, Set<string>>();
  const found = new Map<SearchableTable, Map<string, TracedRow>>();
  /** Rows met in the current round, with every match that met them. */
  const met = new Map<
    SearchableTable,
    Map<string, { row: FoundRow; matches: Map<string, ProvenanceEntry> }>
  >();
  const active = plan.filter((t) => options.searchers[t.system]);
  for (const table of active) found.set(table, new Map());
  const limit = pLimit(options.tableConcurrency ?? 4);

  const searchedSet = (table: SearchableTable, input: SearchInput) => {
    const id = `${table.system}\u0000${table.table}\u0000${input.column}\u0000${input.valueKey}`;
    let done = searched.get(id);
    if (!done) {
      done = new Set<string>();
      searched.set(id, done);
    }
    return done;
  };
  // A search of a table by its single-column primary key can only return the row that key names:
  // once that row is found, searching the table by its key value again would find nothing new.
  const selfKeyInputs = new Map(
    active.map((t) => [
      t,
      t.primaryKey.length === 1
        ? t.inputs.filter((i) => i.column === t.primaryKey[0] && i.normalize === 'none')
        : [],
    ]),
  );

  const harvest = (table: SearchableTable, match: ProvenanceEntry, rows: readonly FoundRow[]) => {
    const byKey = found.get(table);
    const keyInputs = selfKeyInputs.get(table) ?? [];
    let metHere = met.get(table);
    if (!metHere) {
      metHere = new Map();
      met.set(table, metHere);
    }
    const matchId = canonicalJson(match as unknown as CanonicalValue);
    for (const row of rows) {
      const id = canonicalJson(row.key);
      if (byKey?.has(id)) continue;
      const entry = metHere.get(id);
      if (entry) entry.matches.set(matchId, match);
      else metHere.set(id, { row, matches: new Map([[matchId, match]]) });
      for (const input of keyInputs) {
        const key = asText(row.row[input.column]);
        if (key !== undefined) searchedSet(table, input).add(key);
      }
      for (const output of table.outputs) {
        const text = asText(row.row[output.column]);
        if (text === undefined) continue;
        const value = normalizeIdentifier(text, output.normalize);
        if (value === '') continue;
        let pool = pools.get(output.valueKey);
        if (!pool) {
          pool = new Set();
          pools.set(output.valueKey, pool);
        }
        pool.add(value);
      }
    }
  };

  const unreadable = new Map(active.map((t) => [t, new Map<string, UnreadableRow>()]));
  let rounds = 0;
  for (;;) {
    const tasks: (() => Promise<void>)[] = [];
    for (const table of active) {
      const searcher = options.searchers[table.system];
      if (!searcher) continue;
      for (const input of table.inputs) {
        const done = searchedSet(table, input);
        const fresh = [...(pools.get(input.valueKey) ?? [])].filter((v) => !done.has(v));
        if (fresh.length === 0) continue;
        for (const v of fresh) done.add(v);
        const match = provenanceOf(input, rounds + 1);
        tasks.push(() =>
          searcher.search(
            table,
            input,
            fresh.sort(),
            (rows) => harvest(table, match, rows),
            (row) => unreadable.get(table)?.set(canonicalJson(row.key), row),
          ),
        );
      }
    }
    if (tasks.length === 0) break;
    rounds++;
    await Promise.all(tasks.map((task) => limit(task)));
    for (const [table, rows] of met) {
      const byKey = found.get(table);
      for (const [id, { row, matches }] of rows)
        byKey?.set(id, {
          ...row,
          provenance: [...matches].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m),
        });
    }
    met.clear();
  }

  return {
    tables: active.map((t) => ({
      system: t.system,
      table: t.table,
      primaryKey: t.primaryKey,
      rows: [...(found.get(t)?.values() ?? [])],
      ...(unreadable.get(t)?.size ? { unreadable: [...(unreadable.get(t)?.values() ?? [])] } : {}),
    })),
    notSearched: plan
      .filter((t) => !options.searchers[t.system])
      .map((t) => ({ system: t.system, table: t.table })),
    rounds,
  };
}

/** The provenance entry of a search by `input` in round `round`, keys in sorted order. */
function provenanceOf(input: SearchInput, round: number): ProvenanceEntry {
  return input.reason.via === 'identity'
    ? {
        column: input.column,
        identity: input.reason.identity,
        round,
        source: round === 1 ? 'request' : 'learned',
        via: 'identity',
      }
    : { column: input.column, from: input.reason.from, round, via: 'follow' };
}

/** The text a canonical value contributes as a search value; structures contribute nothing. */
function asText(value: CanonicalValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value instanceof JsonNumber) return value.text;
  return undefined;
}
