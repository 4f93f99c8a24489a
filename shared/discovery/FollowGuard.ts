import type { System } from '../datamap/System';
import type { RefusedFollow } from './NotFollowed';
import type { SearchableTable, SearchInput, SearchOutput, TableSearcher, ValueKey } from './SearchableTable';

/** Whether `column` is, alone, the table's primary key: then a value in it names one row. */
function isSingleKey(table: SearchableTable, column: string): boolean {
  return table.primaryKey.length === 1 && table.primaryKey[0] === column;
}

/**
 * Whether a value in `column` names one row of the table it is read from: its single-column key,
 * in PostgreSQL (checked against the catalog). Snowflake enforces no key: a value of a declared
 * one may be held by two people's rows, so it is counted like any other column.
 */
function namesOneRow(table: SearchableTable, column: string): boolean {
  return table.system === 'postgres' && isSingleKey(table, column);
}

/** A column other tables follow, in the table it is read from. */
interface Source {
  readonly table: SearchableTable;
  readonly output: SearchOutput;
  readonly id: string;
}

/**
 * **The follow guard.** A follow edge joins two tables by a value: the rows of the follower whose
 * column holds a value the subject's found rows hold in the followed column. When neither column is
 * its table's key, the value need not name the subject: a customer number repeated in every tenant
 * of `customers (tenant_id, customer_no)`, followed by `orders.customer_no`, reaches every tenant's
 * orders under that number. So for such an edge a value is followed only when every row of the
 * followed column that holds it is one of the subject's own found rows: the rows holding it are
 * counted (with the searcher's own match, at most `cap` per value) and compared with the subject's
 * rows met holding it. Otherwise it is refused, and reported by table, column and count, never by
 * value (see `NotFollowed`), so the answer says what it left out instead of holding another
 * person's rows.
 *
 * An edge onto a key (`orders.user_id` following `users.id`) or from one (`addresses.id` followed
 * through `orders.address_id`) is not guarded: a key value names one row, which the subject's row
 * holds or refers to. Rows of a keyless table are not credited as the subject's own (its meetings
 * name searches, not rows), and a count at the cap never qualifies: such a value is refused.
 */
export class FollowGuard {
  private readonly sources = new Map<ValueKey, Source[]>();
  private readonly guardedOutputs = new Set<SearchOutput>();
  // Per source, the rows holding each value (counted once, up to the cap).
  private readonly counted = new Map<string, Map<string, number>>();
  // Per source, the subject's own rows met holding each value: their keys, at most `cap`.
  private readonly own = new Map<string, Map<string, Set<string>>>();
  // Values refused so far, by valueKey and value; a value admitted later is dropped at the end.
  private readonly refused = new Map<string, RefusedFollow & { valueKey: ValueKey; value: string }>();
  private readonly admitted = new Map<ValueKey, Set<string>>();

  constructor(
    tables: readonly SearchableTable[],
    private readonly searchers: Partial<Record<System, TableSearcher>>,
    private readonly cap: number,
  ) {
    const targets = new Map<ValueKey, SearchableTable[]>();
    for (const table of tables)
      for (const input of table.inputs)
        if (input.reason.via === 'follow' && !isSingleKey(table, input.column)) {
          const list = targets.get(input.valueKey) ?? [];
          targets.set(input.valueKey, list);
          list.push(table);
        }
    for (const table of tables)
      for (const output of table.outputs) {
        if (output.learned || namesOneRow(table, output.column) || !targets.has(output.valueKey)) continue;
        const list = this.sources.get(output.valueKey) ?? [];
        this.sources.set(output.valueKey, list);
        list.push({ table, output, id: `${table.system}\u0000${table.table}\u0000${output.column}` });
        this.guardedOutputs.add(output);
      }
  }

  /** Whether searches by `input` take only the values the guard admits. */
  guards(table: SearchableTable, input: SearchInput): boolean {
    return (
      input.reason.via === 'follow' && !isSingleKey(table, input.column) && this.sources.has(input.valueKey)
    );
  }

  /** Records that the subject's row `keyJson` of `table` holds `value` in `output`'s column. */
  held(table: SearchableTable, output: SearchOutput, value: string, keyJson: string): void {
    if (!this.guardedOutputs.has(output) || table.primaryKey.length === 0) return;
    const id = `${table.system}\u0000${table.table}\u0000${output.column}`;
    let byValue = this.own.get(id);
    if (!byValue) {
      byValue = new Map();
      this.own.set(id, byValue);
    }
    const keys = byValue.get(value) ?? new Set<string>();
    byValue.set(value, keys);
    if (keys.size < this.cap) keys.add(keyJson);
  }

  /**
   * Counts, in every column the values of `valueKey` are read from, the rows holding each of
   * `values` not counted yet; `run` bounds how many counts run at once.
   */
  async count(
    wanted: ReadonlyMap<ValueKey, ReadonlySet<string>>,
    run: <T>(task: () => Promise<T>) => Promise<T>,
  ): Promise<void> {
    const tasks: Promise<void>[] = [];
    for (const [valueKey, values] of wanted)
      for (const source of this.sources.get(valueKey) ?? []) {
        const searcher = this.searchers[source.table.system];
        let known = this.counted.get(source.id);
        if (!known) {
          known = new Map();
          this.counted.set(source.id, known);
        }
        const counts = known;
        const missing = [...values].filter((v) => !counts.has(v)).sort();
        if (missing.length === 0 || !searcher) continue;
        tasks.push(
          run(async () => {
            const answer = await searcher.countRows(source.table, source.output, missing, this.cap);
            for (const v of missing) counts.set(v, Math.min(answer.get(v) ?? 0, this.cap));
          }),
        );
      }
    await Promise.all(tasks);
  }

  /**
   * Whether `value` of `valueKey` may be followed onto a column that is not a key: every row of
   * each followed column holding it is one of the subject's (with counts from {@link count}).
   * A refusal is remembered for the report; the value is judged again in later rounds, when more
   * of the subject's rows may hold it.
   */
  admits(valueKey: ValueKey, value: string, into: SearchableTable, input: SearchInput): boolean {
    if (this.admitted.get(valueKey)?.has(value)) return true;
    let ok = true;
    for (const source of this.sources.get(valueKey) ?? []) {
      const rows = this.counted.get(source.id)?.get(value) ?? 0;
      const own = this.own.get(source.id)?.get(value)?.size ?? 0;
      // Every holder is one of the subject's rows met. More of hers than the count found means the
      // count and the search disagree (a row changed since, or a comparison of another kind): refused.
      if (rows < this.cap && own === rows) continue;
      ok = false;
      const id = `${valueKey}\u0000${value}\u0000${source.id}`;
      const target = `${into.system}:${into.table}.${input.column}`;
      const held = this.refused.get(id);
      this.refused.set(id, {
        system: source.table.system,
        table: source.table.table,
        column: source.output.column,
        into: [...new Set([...(held?.into ?? []), target])].sort(),
        rows,
        capped: rows >= this.cap,
        valueKey,
        value,
      });
    }
    if (ok) {
      const set = this.admitted.get(valueKey) ?? new Set<string>();
      this.admitted.set(valueKey, set);
      set.add(value);
    }
    return ok;
  }

  /** The refusals of values never admitted, for `summarizeNotFollowed`. */
  refusals(): RefusedFollow[] {
    return [...this.refused.values()]
      .filter((r) => !this.admitted.get(r.valueKey)?.has(r.value))
      .map(({ valueKey: _k, value: _v, ...r }) => r);
  }
}
