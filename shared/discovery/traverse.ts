import pLimit from 'p-limit';
import { type CanonicalObject, type CanonicalValue, JsonNumber } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { System } from '../datamap/System';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import { normalizePhone } from '../identity/normalizePhone';
import { collapseMetRecords, type MetRecord, sortMetRecords } from './collapseMetRecords';
import { FollowGuard } from './FollowGuard';
import { estimatedJsonLength, heldRowBytes } from './heldRowBytes';
import { KeylessHoles } from './KeylessHoles';
import { KEYLESS_MEETING_KEY } from './keylessRowKeys';
import type { MetRowSink } from './MetRow';
import {
  type NotFollowed,
  type RefusedOthersOnly,
  type RefusedValue,
  type SharedHolder,
  summarizeNotFollowed,
  type UnparsedPhones,
} from './NotFollowed';
import { numberKeylessCopies } from './numberKeylessCopies';
import type { ProvenanceEntry } from './Provenance';
import { identityKey } from './planSearch';
import { rememberWrittenJson } from './rowJsonOf';
import type {
  FoundRow,
  RowForm,
  SearchableTable,
  SearchInput,
  SearchOutput,
  TableSearcher,
  UnreadableRow,
  ValueKey,
} from './SearchableTable';
import { SubjectTooLargeError } from './SubjectTooLargeError';

export interface TraverseOptions {
  /** Searchers by system; tables of a system without one are skipped and reported as not searched. */
  readonly searchers: Partial<Record<System, TableSearcher>>;
  /** Tables searched at once within one discovery. @default 4 */
  readonly tableConcurrency?: number;
  /**
   * Rows counted at most per learned value when measuring whether it is shared (see
   * {@link traverseInto}); a value held by more is reported as held by this many or more. @default 1000
   */
  readonly sharedValueCap?: number;
  /**
   * Heap `traverse` may hold rows in, estimated per row met by `heldRowBytes` (a row met again
   * counts again): a row beyond it stops the traversal with {@link SubjectTooLargeError} before the
   * process runs out of memory. `traverseInto` hands rows on and holds none: its sink decides.
   * @default no limit
   */
  readonly maxHeldBytes?: number;
  /**
   * Follow a value onto a column that is not a key only when every row of the followed column
   * holding it is the subject's (`FollowGuard`). Erasure turns it off: its plan refuses such a
   * follow unless a foreign key names the pair, and then leaves out the rows the pair excludes
   * (`planErasure`), and its proof must reach every row the plan could. @default true
   */
  readonly followGuard?: boolean;
}

/** The prefix of an identity kind's value key (`identityKey`). */
const IDENTITY_PREFIX = identityKey('');

/** Default of {@link TraverseOptions.sharedValueCap}. */
export const SHARED_VALUE_CAP = 1000;

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
  /** Learned values that were not followed because several rows share them (counts only). */
  readonly notFollowed: readonly NotFollowed[];
  /** Phone values found that could not be parsed, compared as digits (counts only). */
  readonly unparsedPhones: readonly UnparsedPhones[];
  /** See {@link TraversalOutline.identities}. */
  readonly identities: Readonly<Record<string, readonly string[]>>;
}

/** What a traversal learned besides its rows (which went to a {@link MetRowSink}). */
export interface TraversalOutline {
  /** The tables searched, in plan order. */
  readonly tables: readonly SearchableTable[];
  /** Per searched table, rows that matched but could not be read, by key. */
  readonly unreadable: ReadonlyMap<SearchableTable, ReadonlyMap<string, UnreadableRow>>;
  readonly notSearched: readonly { system: System; table: string }[];
  readonly rounds: number;
  /** Learned values that were not followed because several rows share them (counts only). */
  readonly notFollowed: readonly NotFollowed[];
  /** Phone values found that could not be parsed, compared as digits (counts only). */
  readonly unparsedPhones: readonly UnparsedPhones[];
  /**
   * Per identity kind, the normalised values the search was widened with: the request's and the
   * learned values the learning guard followed, never one it refused; sorted. The proof of an
   * erasure searches with these (`learnedIdentifiers`). Values: for the process, never for a log.
   */
  readonly identities: Readonly<Record<string, readonly string[]>>;
}

/**
 * Breadth-first search to a fixed point, with the rows kept in memory: {@link traverseInto} with a
 * sink that collapses every table's meetings into its rows. For small subjects and tests; discovery
 * of a whole subject streams (`discoverSubjectStream`).
 */
export async function traverse(
  plan: readonly SearchableTable[],
  seeds: ReadonlyMap<ValueKey, readonly string[]>,
  options: TraverseOptions,
): Promise<TraverseResult> {
  const met = new Map<SearchableTable, MetRecord<FoundRow>[]>();
  const maxHeldBytes = options.maxHeldBytes ?? Number.POSITIVE_INFINITY;
  let heldBytes = 0;
  let rowsMet = 0;
  const outline = await traverseInto(plan, seeds, options, {
    wholeRowsWithJson: true,
    met(table, { key, keyJson, match, matchId, row, rowJson }) {
      rowsMet++;
      heldBytes += heldRowBytes(rowJson?.length ?? estimatedJsonLength(row));
      if (heldBytes > maxHeldBytes) throw new SubjectTooLargeError(maxHeldBytes, rowsMet);
      if (rowJson !== undefined) {
        rememberWrittenJson(row, rowJson);
        rememberWrittenJson(key, keyJson);
      }
      let records = met.get(table);
      if (!records) {
        records = [];
        met.set(table, records);
      }
      records.push({ key, keyJson, round: match.round, matchId, row: { key, row } });
    },
  });
  return {
    tables: outline.tables.map((t) => {
      const provenance = new Map<string, ProvenanceEntry>();
      const records = met.get(t) ?? [];
      for (const r of records) provenance.set(r.matchId, JSON.parse(r.matchId) as ProvenanceEntry);
      const keyless = t.primaryKey.length === 0;
      sortMetRecords(records, keyless ? KEYLESS_MEETING_KEY : t.primaryKey);
      const tableUnreadable = [...(outline.unreadable.get(t)?.values() ?? [])];
      const holes = keyless ? new KeylessHoles(tableUnreadable) : undefined;
      const rows = [...collapseMetRecords(holes ? numberKeylessCopies(records, holes) : records)].map(
        (c): TracedRow => ({
          key: c.key,
          row: c.row.row,
          provenance: c.matchIds.map((id) => provenance.get(id) as ProvenanceEntry),
        }),
      );
      const unreadable = holes ? holes.resolve(tableUnreadable) : tableUnreadable;
      return {
        system: t.system,
        table: t.table,
        primaryKey: t.primaryKey,
        rows,
        ...(unreadable.length > 0 ? { unreadable } : {}),
      };
    }),
    notSearched: outline.notSearched,
    rounds: outline.rounds,
    notFollowed: outline.notFollowed,
    unparsedPhones: outline.unparsedPhones,
    identities: outline.identities,
  };
}

/**
 * Breadth-first search to a fixed point: each round searches every table with the values it has not
 * yet been searched with; rows found yield new values (the identity kinds the table learns, the
 * columns other tables follow); the traversal ends when a round brings no new value. Every
 * (table, column, value) is searched at most once, so cycles in the data map terminate.
 *
 * Rows are not kept: each row a search meets goes to `sink` with the match (and so the round) that
 * met it, and its output values join the frontier. What stays in memory is the frontier (the value
 * pools and, per searched column, the values searched) and unreadable rows' keys, not the rows.
 * A row met again in a later round is sent again; it adds nothing new to the frontier (its values
 * were harvested when it was first met), and the sink's collapse keeps its first round's matches.
 *
 * Each row's provenance is the matches that met it in the round it was first met: all searches of
 * a round see the same values, so that set does not depend on the order searches end. Round 1
 * searches only the request's identifiers; an identity value searched in a later round is one not
 * in the request (request values were all searched in round 1), so it was learned.
 *
 * **The learning guard.** A learned identity value widens the search only if it identifies one
 * person: at the end of the round that learned it, the rows holding it are counted in every column
 * of the plan that learns its kind (with the search's own match, so the search's index serves the
 * count, and at most `sharedValueCap` per value and column). It is followed only when one row of
 * the tables of people holds it (see `admitLearned`): not a number two employees share in one
 * table, nor one a supplier and a carrier hold in two. A refusal is reported in
 * `notFollowed` by table, column and count (and, across tables, each table's count), never by
 * value. Counts depend only on the data, so the same data gives the same rows.
 */
export async function traverseInto(
  plan: readonly SearchableTable[],
  seeds: ReadonlyMap<ValueKey, readonly string[]>,
  options: TraverseOptions,
  sink: MetRowSink,
): Promise<TraversalOutline> {
  const pools = new Map<ValueKey, Set<string>>([...seeds].map(([k, v]) => [k, new Set(v)]));
  const searched = new Map<string, Set<string>>();
  const active = plan.filter((t) => options.searchers[t.system]);
  const limit = pLimit(options.tableConcurrency ?? 4);
  const cap = options.sharedValueCap ?? SHARED_VALUE_CAP;
  // Learned values not yet in their pool, per (table, column) they were learned from, in this round.
  let learnedNow = new Map<string, { table: SearchableTable; output: SearchOutput; values: Set<string> }>();
  // Rows holding each value, per (table, column): a value is counted once per column.
  const counted = new Map<string, Map<string, number>>();
  // The subject's own rows met so far holding each learned value not yet followed, per (table,
  // column) of a keyed table: their keys, at most `cap` (see `admitLearned`).
  const ownHolders = new Map<string, Map<string, Set<string>>>();
  // Values refused so far, by (table, column, value); those followed later are dropped at the end.
  const refused = new Map<string, RefusedValue & { valueKey: ValueKey; value: string }>();
  const guard = options.followGuard === false ? undefined : new FollowGuard(active, options.searchers, cap);

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
  // once that row is found, searching the table by its key value again would find nothing new. The
  // key values so remembered are part of the frontier: one string per row of such a table (a table
  // searched by its own key is one whose key other tables hold, like `users.id`), never a row.
  const selfKeyInputs = new Map(
    active.map((t) => [
      t,
      t.primaryKey.length === 1
        ? t.inputs.filter((i) => i.column === t.primaryKey[0] && i.normalize === 'none')
        : [],
    ]),
  );

  // Per table, its phone columns; per (table, column), the keys of found rows whose phone value
  // could not be parsed (a row met in several rounds is counted once).
  const phoneColumns = new Map(
    active.map((t) => [
      t,
      [
        ...new Map(
          [...t.inputs, ...t.outputs]
            .filter((io) => io.normalize === 'phone')
            .map((io) => [io.column, io.region] as const),
        ),
      ],
    ]),
  );
  // A keyless table's keys are meetings here (`keylessRowKeys`): they are counted as findings at the end.
  const unparsed = new Map<
    string,
    { table: SearchableTable; column: string; keys: Map<string, CanonicalObject> }
  >();

  // **Rows that name only other people** (with the follow guard). A row reached by following a
  // column that is not the key of a table of people (an object or a group of the subject's: her
  // poll, her team) is left out when its columns that name people — identity columns, and follow
  // columns onto the single key of a table that maps an identity — name someone the subject is
  // not, and never her: Ben's vote on her poll, a document another member wrote in her team. A
  // column names someone only where she is known in its terms (her values of its kind, her keys of
  // the table it follows), as the pools stood when the round began, so the outcome does not depend
  // on the order searches end. Her own rows among them are reached through the column that names
  // her, where the map follows it. A row of a table of people (`personTable`: a person's own
  // record) reached by any follow is judged by its identity columns alone (another user's account,
  // reached through `users.referred_by`, is his though it names her as his referrer).
  const peopleTables = new Set(
    active
      .filter((t) => t.inputs.some((i) => i.reason.via === 'identity'))
      .map((t) => `${t.system}:${t.table}`),
  );
  // `<system>:<table>.<column>` of each table of people's single key: a column following one names a person.
  const personKeys = new Set(
    active
      .filter((t) => peopleTables.has(`${t.system}:${t.table}`) && t.primaryKey.length === 1)
      .map((t) => `${t.system}:${t.table}.${t.primaryKey[0]}`),
  );
  const personColumns = new Map(
    active.map((t) => [
      t,
      t.inputs.filter(
        (i) => i.reason.via === 'identity' || (i.reason.via === 'follow' && personKeys.has(i.reason.from)),
      ),
    ]),
  );
  // Snapshotted each round: the columns that judge rows reached through follows, and those that
  // tell a row shared by the subject and another person (a payment between two people).
  const judgedKeys = new Set(active.flatMap((t) => (personColumns.get(t) ?? []).map((i) => i.valueKey)));
  // The columns that say whose a row is, per table: a table of people's row is a person's own
  // record, so its identity columns alone (Ben's account refers to Ana through `referred_by`, and
  // is still Ben's).
  const judgingColumns = new Map(
    active.map((t) => [
      t,
      (personColumns.get(t) ?? []).filter((c) => t.personTable !== true || c.reason.via === 'identity'),
    ]),
  );
  let knownAtRound = new Map<ValueKey, ReadonlySet<string>>();
  const othersOnly = new Map<string, RefusedOthersOnly & { keys: Set<string> }>();
  // **Details only shared rows point at** (with the follow guard). Values a row shared by the
  // subject and another person (its columns that name people name both) hands on through a column
  // that is not its key — the payment's `billing_address_id` — per value key; and those rows naming
  // only her hand on. A row reached only by such a value that names no one (the payer's billing
  // address) is left out of the payee's answer: it may be the other person's. As the round began.
  const sharedOut = new Map<ValueKey, Set<string>>();
  const ownOut = new Map<ValueKey, Set<string>>();
  let sharedOnlyAtRound = new Map<ValueKey, ReadonlySet<string>>();
  const addTo = (map: Map<ValueKey, Set<string>>, key: ValueKey, value: string) => {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    set.add(value);
  };
  // Whether a row's columns among `columns` name the subject, and whether they name someone else,
  // in the terms she is known in as the round began.
  const namedIn = (
    columns: readonly SearchInput[] | undefined,
    row: FoundRow,
  ): { her: boolean; others: boolean } => {
    let her = false;
    let others = false;
    for (const c of columns ?? []) {
      const known = knownAtRound.get(c.valueKey);
      const text = asText(row.row[c.column]);
      if (!known || known.size === 0 || text === undefined) continue;
      const value = normalizeIdentifier(text, c.normalize, c.region);
      if (value === '') continue;
      if (known.has(value)) her = true;
      else others = true;
    }
    return { her, others };
  };
  // Its columns that name people (a payment's payer and payee).
  const peopleNamed = (table: SearchableTable, row: FoundRow) => namedIn(personColumns.get(table), row);
  // A table's single key: a value it hands on through its key names the row itself (an order's
  // lines), not something it points at.
  const singleKey = (table: SearchableTable) =>
    table.primaryKey.length === 1 ? table.primaryKey[0] : undefined;
  // Whether a row's columns that say whose it is name the subject.
  const namesSubject = (table: SearchableTable, row: FoundRow): boolean =>
    namedIn(judgingColumns.get(table), row).her;
  // A person's record reached through a follow from its own table (the people she manages, through
  // `manager_id`) is another person's unless it names her, also where its identity columns are empty.
  const namesOnlyOthers = (
    table: SearchableTable,
    match: ProvenanceEntry,
    row: FoundRow,
    ownTable: boolean,
  ): boolean => {
    if (!guard || match.via !== 'follow') return false;
    const named = namedIn(judgingColumns.get(table), row);
    return !named.her && (named.others || (ownTable && table.personTable === true));
  };

  // Records a row left out of the answer, reached by following `from` into `column` of `table`
  // (`throughShared`: only rows shared with other people pointed at it).
  const leaveOut = (
    table: SearchableTable,
    from: string,
    column: string,
    keyJson: string,
    throughShared: boolean,
  ) => {
    const into = `${table.system}:${table.table}.${column}`;
    const id = `${from}\u0000${into}${throughShared ? '\u0000shared' : ''}`;
    const entry = othersOnly.get(id) ?? {
      ...parseFrom(from),
      into: [into],
      othersOnly: true as const,
      ...(throughShared ? { throughShared: true as const } : {}),
      rows: 0,
      capped: false,
      keys: new Set<string>(),
    };
    othersOnly.set(id, entry);
    entry.keys.add(keyJson);
  };

  const harvest = (
    table: SearchableTable,
    match: ProvenanceEntry,
    matchId: string,
    rows: readonly FoundRow[],
  ) => {
    const keyInputs = selfKeyInputs.get(table) ?? [];
    // Judged once per page: a match onto a person's key, or a table with no column naming people,
    // leaves every row in.
    const judged =
      guard !== undefined &&
      match.via === 'follow' &&
      (!personKeys.has(match.from) || table.personTable === true) &&
      (judgingColumns.get(table)?.length ?? 0) > 0;
    const ownTable = match.via === 'follow' && match.from.startsWith(`${table.system}:${table.table}.`);
    const otherRecords = ownTable && table.personTable === true;
    const sharedOnly =
      guard !== undefined && match.via === 'follow'
        ? sharedOnlyAtRound.get(`column:${match.from}`)
        : undefined;
    // A person's own record (a table of people keyed by one column) is one person's, also where it
    // names another (`referred_by`): what it hands on is its own, never a shared row's.
    const key = singleKey(table);
    const handsOn =
      guard !== undefined &&
      (personColumns.get(table)?.length ?? 0) > 0 &&
      !(key !== undefined && personKeys.has(`${table.system}:${table.table}.${key}`));
    for (const row of rows) {
      const keyJson = row.keyJson ?? canonicalJson(row.key);
      if (sharedOnly && match.via === 'follow') {
        const value = asText(row.row[match.column]);
        if (value !== undefined && sharedOnly.has(value)) {
          const named = peopleNamed(table, row);
          if (!named.her && !named.others) {
            leaveOut(table, match.from, match.column, keyJson, true);
            continue;
          }
        }
      }
      if (judged && match.via === 'follow' && namesOnlyOthers(table, match, row, ownTable)) {
        leaveOut(table, match.from, match.column, keyJson, false);
        continue;
      }
      sink.met(table, { key: row.key, keyJson, match, matchId, row: row.row, rowJson: row.json });
      for (const [column, region] of phoneColumns.get(table) ?? []) {
        const text = asText(row.row[column]);
        if (text === undefined || text.trim() === '' || normalizePhone(text, region).parsed) continue;
        const id = sourceId(table, { column } as SearchOutput);
        const entry = unparsed.get(id) ?? { table, column, keys: new Map<string, CanonicalObject>() };
        unparsed.set(id, entry);
        entry.keys.set(keyJson, row.key);
      }
      for (const input of keyInputs) {
        const key = asText(row.row[input.column]);
        if (key !== undefined) searchedSet(table, input).add(key);
      }
      // Another person's record, met through a follow from its own table (the people she manages):
      // kept for the plan to judge where the guard is off (erasure), but nothing in it is hers to
      // learn or to follow on (before, an erasure learned Ivy's address from her record and erased
      // her as the subject).
      if (otherRecords && !namesSubject(table, row)) continue;
      for (const output of table.outputs) {
        const text = asText(row.row[output.column]);
        if (text === undefined) continue;
        const value = normalizeIdentifier(text, output.normalize, output.region);
        if (value === '') continue;
        if (output.learned) {
          if (pools.get(output.valueKey)?.has(value)) continue;
          const source = sourceId(table, output);
          // A keyless table's meeting keys name a search, not a row: its rows get no such credit.
          if (table.primaryKey.length > 0) {
            let byValue = ownHolders.get(source);
            if (!byValue) {
              byValue = new Map();
              ownHolders.set(source, byValue);
            }
            const keys = byValue.get(value) ?? new Set<string>();
            byValue.set(value, keys);
            if (keys.size < cap) keys.add(keyJson);
          }
          let learned = learnedNow.get(source);
          if (!learned) {
            learned = { table, output, values: new Set() };
            learnedNow.set(source, learned);
          }
          learned.values.add(value);
          continue;
        }
        let pool = pools.get(output.valueKey);
        if (!pool) {
          pool = new Set();
          pools.set(output.valueKey, pool);
        }
        pool.add(value);
        guard?.held(table, output, value, keyJson);
        if (handsOn && output.column !== singleKey(table)) {
          // Shared: names her and another. Hers: names no one else (her own payment, or one reached
          // through her customer record that names no person at all).
          const named = peopleNamed(table, row);
          if (!named.others) addTo(ownOut, output.valueKey, value);
          else if (named.her) addTo(sharedOut, output.valueKey, value);
        }
      }
    }
  };

  // Every column of the plan that learns each kind: a learned value is counted in all of them.
  const learningColumns = new Map<ValueKey, { table: SearchableTable; output: SearchOutput }[]>();
  for (const table of active)
    for (const output of table.outputs) {
      if (!output.learned) continue;
      const columns = learningColumns.get(output.valueKey) ?? [];
      learningColumns.set(output.valueKey, columns);
      columns.push({ table, output });
    }

  /** Counts the rows holding each value in every column of the plan that learns its kind (once per column). */
  const countHolders = async (
    wanted: ReadonlyMap<ValueKey, ReadonlySet<string>>,
    columnsOf: (valueKey: ValueKey) => readonly { table: SearchableTable; output: SearchOutput }[] = (k) =>
      learningColumns.get(k) ?? [],
  ) => {
    await Promise.all(
      [...wanted].flatMap(([valueKey, values]) =>
        columnsOf(valueKey).map(({ table, output }) =>
          limit(async () => {
            const source = sourceId(table, output);
            let counts = counted.get(source);
            if (!counts) {
              counts = new Map();
              counted.set(source, counts);
            }
            const known = counts;
            const missing = [...values].filter((v) => !known.has(v)).sort();
            const searcher = options.searchers[table.system];
            if (missing.length === 0 || !searcher) return;
            const answer = await searcher.countRows(table, output, missing, cap);
            for (const v of missing) known.set(v, Math.min(answer.get(v) ?? 0, cap));
          }),
        ),
      ),
    );
  };

  /**
   * **The request guard.** A value the request names is searched only if it names one person: it is
   * counted, before the first search, as a learned value is, in every column of a table of people
   * that learns its kind, and it is not searched when two or more rows of one such table hold it (a
   * household's phone number in two `users` rows, an e-mail address two accounts share): the answer
   * would otherwise hold every one of those people's rows. One row in each of two tables of people
   * (`users` and `contacts`) is searched: that is most often one person known to two systems, which
   * counts cannot tell from two people. It is reported in `notFollowed` as the
   * request's (`requested`), by table, column and count, never by value; the value is judged again,
   * as a learned one, when the subject's own rows found through her other identifiers hold it, and
   * followed if every row holding it is hers. A value that no table of people holds, or one such row
   * holds, is searched as before.
   */
  const refuseSharedRequestValues = async () => {
    const wanted = new Map<ValueKey, Set<string>>();
    for (const [valueKey, values] of pools)
      if (learningColumns.has(valueKey) && values.size > 0) wanted.set(valueKey, new Set(values));
    if (wanted.size === 0) return;
    // Only the tables of people decide, so only their columns are counted (an index serves the
    // search of each: `validate --live` asks for one); other learning tables are counted when a
    // value is learned.
    const people = (k: ValueKey) => (learningColumns.get(k) ?? []).filter(({ table }) => table.personTable);
    await countHolders(wanted, people);
    for (const [valueKey, values] of wanted)
      for (const value of values) {
        const holders = holdersOf(people(valueKey), counted, value, cap);
        const first = holders.find((h) => h.person && h.rows >= 2);
        if (!first) continue;
        pools.get(valueKey)?.delete(value);
        refused.set(requestRefusalId(valueKey, value), {
          system: first.system,
          table: first.table,
          column: first.column,
          identity: valueKey.startsWith(IDENTITY_PREFIX) ? valueKey.slice(IDENTITY_PREFIX.length) : valueKey,
          requested: true,
          rows: holders.reduce((sum, h) => sum + h.rows, 0),
          capped: holders.some((h) => h.capped),
          ...heldByOthers(holders, first.group),
          valueKey,
          value,
        });
      }
  };

  /**
   * Counts the rows that hold each value learned this round in every column of the plan that
   * learns its kind (a row and its mirror's copy count once; so do the several columns of one kind
   * in one row: a table's count is the largest of its columns'), then adds to the pools the values
   * that identify one person. Rows of tables of people (`personTable`) are claimants: a value is
   * followed when exactly one such row holds it, whatever other tables repeat it (a user's tickets
   * beside the `users` row), and refused when two do, in one table (two employees' switchboard
   * number) or in two (a supplier in `suppliers` and a carrier in `shippers` with one number). A
   * value no table of people holds is followed when some learning table holds it in one row.
   */
  const admitLearned = async (
    learned: ReadonlyMap<string, { table: SearchableTable; output: SearchOutput; values: Set<string> }>,
  ) => {
    const wanted = new Map<ValueKey, Set<string>>();
    for (const { output, values } of learned.values()) {
      const set = wanted.get(output.valueKey) ?? new Set<string>();
      wanted.set(output.valueKey, set);
      for (const v of values) set.add(v);
    }
    await countHolders(wanted);
    const unique = new Map<ValueKey, Set<string>>();
    for (const [source, { table, output, values }] of learned) {
      for (const value of values) {
        const columns = learningColumns.get(output.valueKey) ?? [];
        const holders = holdersOf(columns, counted, value, cap);
        const rows = holders.reduce((sum, h) => sum + h.rows, 0);
        const personRows = holders.reduce((sum, h) => sum + (h.person ? h.rows : 0), 0);
        if (
          personRows === 1 ||
          (personRows === 0 && (rows === 0 || holders.some((h) => h.rows === 1))) ||
          heldOnlyByOwnRows(columns, counted, ownHolders, value, cap)
        ) {
          const set = unique.get(output.valueKey) ?? new Set<string>();
          unique.set(output.valueKey, set);
          set.add(value);
          continue;
        }
        // A value the request named and this guard refused already is reported once, as the request's.
        if (refused.has(requestRefusalId(output.valueKey, value))) continue;
        const own = groupOf(table);
        refused.set(`${source}\u0000${value}`, {
          system: table.system,
          table: table.table,
          column: output.column,
          identity: output.learned?.identity ?? '',
          rows,
          capped: holders.some((h) => h.capped),
          ...heldByOthers(holders, own),
          valueKey: output.valueKey,
          value,
        });
      }
    }
    for (const [valueKey, values] of unique) {
      const pool = pools.get(valueKey) ?? new Set<string>();
      pools.set(valueKey, pool);
      for (const v of values) pool.add(v);
    }
    // A followed value's own holders are no longer needed: it is in its pool and never learned again.
    for (const [source, { output }] of learned) {
      const byValue = ownHolders.get(source);
      for (const v of unique.get(output.valueKey) ?? []) byValue?.delete(v);
    }
  };

  // A sink that writes rows out as JSON gets them as JSON; the traversal reads only the columns
  // it searches by, follows or learns from, and the key.
  const forms = new Map(
    active.map((t): [SearchableTable, RowForm | undefined] => [
      t,
      sink.rowsAsJson
        ? {
            json: true,
            columns: [
              ...new Set([
                ...t.primaryKey,
                ...t.inputs.map((i) => i.column),
                ...t.outputs.map((o) => o.column),
              ]),
            ],
          }
        : sink.wholeRowsWithJson
          ? { json: true, columns: [], whole: true }
          : undefined,
    ]),
  );
  const unreadable = new Map(active.map((t) => [t, new Map<string, UnreadableRow>()]));
  let rounds = 0;
  await refuseSharedRequestValues();
  // Values only shared rows hand on are searched last: a row naming only her may still hand on the
  // same value in a later round (her own payment's address), and then it is hers.
  let lastRound = false;
  for (;;) {
    let deferred = false;
    knownAtRound = new Map([...judgedKeys].map((k) => [k, new Set(pools.get(k) ?? [])]));
    sharedOnlyAtRound = new Map(
      [...sharedOut].map(([k, values]) => [k, new Set([...values].filter((v) => !ownOut.get(k)?.has(v)))]),
    );
    const tasks: (() => Promise<void>)[] = [];
    // Values a guarded follow would search with are counted first, and searched only if admitted;
    // a refused value stays unsearched, to be judged again after the subject's next rows.
    const candidates: { table: SearchableTable; input: SearchInput; fresh: string[] }[] = [];
    const toCount = new Map<ValueKey, Set<string>>();
    for (const table of active) {
      if (!options.searchers[table.system]) continue;
      for (const input of table.inputs) {
        const done = searchedSet(table, input);
        const fresh = [...(pools.get(input.valueKey) ?? [])].filter((v) => !done.has(v));
        if (fresh.length === 0) continue;
        candidates.push({ table, input, fresh });
        if (!guard?.guards(table, input)) continue;
        const set = toCount.get(input.valueKey) ?? new Set<string>();
        toCount.set(input.valueKey, set);
        for (const v of fresh) set.add(v);
      }
    }
    if (guard && toCount.size > 0) await guard.count(toCount, limit);
    for (const candidate of candidates) {
      const { table, input } = candidate;
      const searcher = options.searchers[table.system];
      if (!searcher) continue;
      const done = searchedSet(table, input);
      const admitted =
        guard?.guards(table, input) === true
          ? candidate.fresh.filter((v) => guard.admits(input.valueKey, v, table, input))
          : candidate.fresh;
      const sharedOnly =
        lastRound || input.reason.via !== 'follow' ? undefined : sharedOnlyAtRound.get(input.valueKey);
      const fresh = sharedOnly ? admitted.filter((v) => !sharedOnly.has(v)) : admitted;
      if (fresh.length < admitted.length) deferred = true;
      if (fresh.length === 0) continue;
      for (const v of fresh) done.add(v);
      const match = provenanceOf(input, rounds + 1);
      const matchId = canonicalJson(match as unknown as CanonicalValue);
      const wanted = new Set(fresh);
      // A phone is searched by candidate forms of its digits, which over-match (a London
      // number's digits are also a US number's): keep the rows whose number it is.
      const kept =
        input.normalize === 'phone'
          ? (rows: readonly FoundRow[]) =>
              rows.filter((r) => {
                const text = asText(r.row[input.column]);
                return text !== undefined && wanted.has(normalizeIdentifier(text, 'phone', input.region));
              })
          : (rows: readonly FoundRow[]) => rows;
      tasks.push(() =>
        searcher.search(
          table,
          input,
          fresh.sort(),
          (rows) => harvest(table, match, matchId, kept(rows)),
          (row) => unreadable.get(table)?.set(canonicalJson(row.key), row),
          forms.get(table),
        ),
      );
    }
    if (tasks.length === 0) {
      if (!deferred) break;
      lastRound = true;
      continue;
    }
    rounds++;
    await Promise.all(tasks.map((task) => limit(task)));
    const learned = learnedNow;
    learnedNow = new Map();
    await admitLearned(learned);
  }

  return {
    tables: active,
    unreadable,
    notFollowed: summarizeNotFollowed([
      ...[...refused.values()].filter((r) => !pools.get(r.valueKey)?.has(r.value)),
      ...(guard?.refusals() ?? []),
      ...[...othersOnly.values()].map(({ keys, ...entry }) => ({ ...entry, rows: keys.size })),
    ]),
    unparsedPhones: [...unparsed.values()]
      .map(
        (u): UnparsedPhones => ({
          column: u.column,
          rows:
            u.table.primaryKey.length > 0
              ? u.keys.size
              : keylessFindings(u.keys.values(), unreadable.get(u.table)?.values() ?? []),
          system: u.table.system,
          table: u.table.table,
        }),
      )
      .sort(
        (a, b) =>
          compareText(a.system, b.system) || compareText(a.table, b.table) || compareText(a.column, b.column),
      ),
    notSearched: plan
      .filter((t) => !options.searchers[t.system])
      .map((t) => ({ system: t.system, table: t.table })),
    rounds,
    identities: Object.fromEntries(
      [...pools]
        .filter(([key, values]) => key.startsWith(IDENTITY_PREFIX) && values.size > 0)
        .map(([key, values]) => [key.slice(IDENTITY_PREFIX.length), [...values].sort()] as const)
        .sort(([a], [b]) => compareText(a, b)),
    ),
  };
}

/**
 * The findings that keyless meetings (`keylessRowKeys`) become, counted: the identical copies each
 * search met, numbered with the table's unreadable rows in their places (`numberKeylessCopies`).
 */
function keylessFindings(meetings: Iterable<CanonicalObject>, unreadable: Iterable<UnreadableRow>): number {
  const records = sortMetRecords(
    [...meetings].map(
      (key): MetRecord<null> => ({ key, keyJson: canonicalJson(key), round: 0, matchId: '', row: null }),
    ),
    KEYLESS_MEETING_KEY,
  );
  return [...collapseMetRecords(numberKeylessCopies(records, new KeylessHoles(unreadable)))].length;
}

/**
 * Whether every row holding `value` in the columns that learn its kind is already one of the
 * subject's found rows: each column's count equals the subject's rows met holding it (two tickets of
 * one requester that carry her user id, which no account row holds). Such a value ties the subject
 * to no one else, so it is followed as a value held by one row is. A count at the cap, or rows in a
 * keyless table (whose meetings are not rows), never qualify.
 */
function heldOnlyByOwnRows(
  columns: readonly { table: SearchableTable; output: SearchOutput }[],
  counted: ReadonlyMap<string, ReadonlyMap<string, number>>,
  ownHolders: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>,
  value: string,
  cap: number,
): boolean {
  let held = false;
  for (const { table, output } of columns) {
    const source = sourceId(table, output);
    const rows = counted.get(source)?.get(value) ?? 0;
    if (rows === 0) continue;
    if (rows >= cap) return false;
    if ((ownHolders.get(source)?.get(value)?.size ?? 0) < rows) return false;
    held = true;
  }
  return held;
}

/** The system, table and column of a followed column's `<system>:<table>.<column>`. */
function parseFrom(from: string): { system: System; table: string; column: string } {
  const colon = from.indexOf(':');
  const dot = from.lastIndexOf('.');
  return {
    system: from.slice(0, colon) as System,
    table: from.slice(colon + 1, dot),
    column: from.slice(dot + 1),
  };
}

/** The key of a request value's refusal among the learned values' (`table NUL column NUL value`). */
function requestRefusalId(valueKey: ValueKey, value: string): string {
  return `request\u0000${valueKey}\u0000${value}`;
}

/** `heldBy` of a refusal: every holder, when one of them is another group than `own`; else nothing. */
function heldByOthers(holders: readonly Holder[], own: string): { heldBy?: SharedHolder[] } {
  if (!holders.some((h) => h.group !== own)) return {};
  return {
    heldBy: holders.map(
      ({ system, table, column, rows, capped }): SharedHolder => ({
        ...(capped ? { capped } : {}),
        column,
        rows,
        system,
        table,
      }),
    ),
  };
}

/** A table, or for a mirror the table it copies: rows and their copies are one group. */
function groupOf(table: SearchableTable): string {
  return table.copyOf ? `postgres\u0000${table.copyOf}` : `${table.system}\u0000${table.table}`;
}

/** A learning table holding a value, with its group and whether it is a copy. */
type Holder = Omit<SharedHolder, 'capped'> & {
  group: string;
  capped: boolean;
  copy: boolean;
  person: boolean;
};

/**
 * The learning tables holding `value`, one per group (a table with its copies), each with the
 * largest count among its columns and copies (the original named before a copy), sorted by
 * system, table and column. Only groups with a row holding it.
 */
function holdersOf(
  columns: readonly { table: SearchableTable; output: SearchOutput }[],
  counted: ReadonlyMap<string, ReadonlyMap<string, number>>,
  value: string,
  cap: number,
): Holder[] {
  const best = new Map<string, Holder>();
  for (const { table, output } of columns) {
    const rows = counted.get(sourceId(table, output))?.get(value) ?? 0;
    if (rows === 0) continue;
    const group = groupOf(table);
    const held = best.get(group);
    // Keep the largest count; on a tie, the first column met, an original before a copy.
    if (held && (held.rows > rows || (held.rows === rows && (!held.copy || table.copyOf)))) continue;
    best.set(group, {
      copy: table.copyOf !== undefined,
      person: table.personTable === true,
      group,
      system: table.system,
      table: table.table,
      column: output.column,
      rows,
      capped: rows >= cap,
    });
  }
  return [...best.values()].sort(
    (a, b) =>
      compareText(a.system, b.system) || compareText(a.table, b.table) || compareText(a.column, b.column),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names the column a value was learned from: `system NUL table NUL column`. */
function sourceId(table: SearchableTable, output: SearchOutput): string {
  return `${table.system}\u0000${table.table}\u0000${output.column}`;
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
