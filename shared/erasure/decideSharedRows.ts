import type { CanonicalValue } from '../canonical/CanonicalValue';
import type { DataMap, PostgresTableSpec, SnowflakeTableSpec } from '../datamap/dataMapSchema';
import { type ColumnRef, parseColumnRef } from '../datamap/parseColumnRef';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import type { PgForeignKey } from './readErasureCatalog';
import type { OutsideReferences } from './readOutsideReferences';

type TableSpec = PostgresTableSpec | SnowflakeTableSpec;

/** Why one of the subject's rows is shared with other people. Held in memory only, never written. */
export interface SharedRow {
  /** Rows outside the subject's findings that lead to this row, per table. */
  readonly referencedBy: Readonly<Record<string, number>>;
  /**
   * The other people the row names: each person as the identity values (`kind`, NUL, normalised
   * value) of one party, so the same person across rows is counted once. Never leaves the process.
   */
  readonly others: readonly (readonly string[])[];
  /** The parties whose identity columns hold the subject's values, when the rule names parties. */
  readonly subjectParties?: readonly string[];
  /** Shared only because every row that led to it is shared (a joint account's transactions). */
  readonly through: boolean;
}

/**
 * Decides which found rows, PostgreSQL's and Snowflake's, are shared with other people. Pure: the
 * references from rows outside the findings were read before (`readOutsideReferences`).
 * - Referenced: other people's rows lead to it (in Snowflake through the data map's follow edges
 *   only: it enforces no foreign keys).
 * - Another person's identifier: a row with the subject's value in one identity column also holds a
 *   value that is not the subject's in another identity column of that kind (a message with the
 *   subject as sender and someone else as recipient), or in the same column when it holds a list
 *   (an array of addresses); or, across kinds, a row that names the subject in one column and
 *   someone else in a column of another kind she is known by (a message from `sender_email` to
 *   `recipient_id`, see `mixedPeople`). When the table's erasure rule names `parties`,
 *   the parties decide instead: a party with one of the subject's values is the subject's, any other
 *   party holding an identity value is another person, whatever the kind.
 * - Through: a row reached only through follow edges from rows that are all shared (in either
 *   system: a Snowflake row followed only from shared rows is shared too).
 * A value is the subject's when it is among `known` (the request's identifiers and those learned),
 * compared as the data map normalises its kind.
 */
export function decideSharedRows(
  dataMap: DataMap,
  findings: FindingsDocument,
  known: Readonly<Record<string, readonly string[]>>,
  referenced: OutsideReferences,
  foreignKeys: readonly PgForeignKey[] = [],
): Map<Finding, SharedRow> {
  const subject = new Map<string, Set<string>>();
  const normalizer = (kind: string) => {
    const spec = dataMap.identities[kind];
    return (v: string) => normalizeIdentifier(v, spec?.normalize ?? 'none', spec?.region);
  };
  for (const [kind, values] of Object.entries(known))
    subject.set(kind, new Set(values.map(normalizer(kind))));
  const specs = new Map<string, TableSpec>([
    ...dataMap.postgres.map((s): [string, TableSpec] => [`postgres:${s.table}`, s]),
    ...dataMap.snowflake.map((s): [string, TableSpec] => [`snowflake:${s.table}`, s]),
  ]);
  // Per table, once: which identity kind each column holds, and whether a row of it can name
  // another person at all (parties, or two identity columns of one kind); a table that cannot is
  // not looked into row by row.
  const kinds = new Map(
    [...specs].map(([id, spec]) => {
      const kindOf = new Map<string, string>();
      for (const [kind, columns] of Object.entries(spec.identities))
        for (const c of columns) kindOf.set(c, kind);
      const parties = spec.erasure && 'parties' in spec.erasure ? spec.erasure.parties : undefined;
      const names = parties !== undefined || Object.values(spec.identities).some((c) => c.length >= 2);
      return [id, { kindOf, names }] as const;
    }),
  );
  const followed = followedPeople(specs, findings, foreignKeys);
  const mixed = mixedPeople(specs, findings, foreignKeys, kinds, subject, normalizer);
  const shared = new Map<Finding, SharedRow>();
  for (const f of findings.findings) {
    const spec = specs.get(`${f.system}:${f.table}`);
    const table = kinds.get(`${f.system}:${f.table}`);
    if (!spec || !table) continue;
    const named =
      table.names || holdsList(table.kindOf, f.row)
        ? otherPeople(spec, table.kindOf, f.row, subject, normalizer)
        : { others: [] as string[][] };
    const byReference = [...followed(f), ...mixed(f)];
    const referencedBy = referenced.get(f) ?? {};
    if (named.others.length === 0 && byReference.length === 0 && Object.keys(referencedBy).length === 0)
      continue;
    shared.set(f, {
      referencedBy,
      // One person named by two rules (two columns of a kind, and a row reached only through
      // follows) is listed once.
      others: [...new Map([...named.others, ...byReference].map((o) => [o.join('\u0001'), o])).values()],
      ...(named.subjectParties ? { subjectParties: named.subjectParties } : {}),
      through: false,
    });
  }
  // Rows reached only through shared rows are shared too, until nothing changes: none are when no
  // row is shared. Found rows are indexed by (table, column, value) once per followed column, so
  // this stays linear in the findings.
  if (shared.size === 0) return shared;
  const all = findings.findings;
  const index = new Map<string, Map<string, Finding[]>>();
  const rowsWith = (ref: ColumnRef, value: CanonicalValue): Finding[] => {
    const id = `${ref.system}:${ref.table}\u0000${ref.column}`;
    let byValue = index.get(id);
    if (!byValue) {
      byValue = new Map();
      for (const q of all) {
        const v = q.row[ref.column];
        if (
          q.system !== ref.system ||
          q.table !== ref.table ||
          (typeof v !== 'string' && typeof v !== 'number')
        )
          continue;
        const list = byValue.get(String(v));
        if (list) list.push(q);
        else byValue.set(String(v), [q]);
      }
      index.set(id, byValue);
    }
    return typeof value === 'string' || typeof value === 'number' ? (byValue.get(String(value)) ?? []) : [];
  };
  const refs = new Map<string, ColumnRef>();
  const refOf = (from: string) => {
    let ref = refs.get(from);
    if (!ref) {
      ref = parseColumnRef(from.replace(/^(postgres|snowflake):/, ''));
      refs.set(from, ref);
    }
    return ref;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of all) {
      if (shared.has(f) || f.provenance.length === 0) continue;
      if (f.provenance.some((p) => p.via !== 'follow')) continue;
      const parents = f.provenance.flatMap((p) => {
        if (p.via !== 'follow') return [];
        return rowsWith(refOf(p.from), f.row[p.column] ?? null);
      });
      if (parents.length > 0 && parents.every((q) => shared.has(q))) {
        shared.set(f, { referencedBy: {}, others: [], through: true });
        changed = true;
      }
    }
  }
  return shared;
}

/**
 * The people other than the subject that one row names, and (with parties) the subject's parties.
 * Without parties, each identity column is a party of its kind, compared only within its kind.
 */
function otherPeople(
  spec: TableSpec,
  kindOf: ReadonlyMap<string, string>,
  row: Finding['row'],
  subject: ReadonlyMap<string, ReadonlySet<string>>,
  normalizer: (kind: string) => (v: string) => string,
): { others: string[][]; subjectParties?: string[] } {
  const values = (column: string) => {
    const kind = kindOf.get(column) as string;
    const normalize = normalizer(kind);
    return scalars(row[column] ?? null).map((v) => ({ kind, value: normalize(v) }));
  };
  const isSubject = (v: { kind: string; value: string }) => subject.get(v.kind)?.has(v.value) === true;
  const rule = spec.erasure;
  const parties = rule && 'parties' in rule ? rule.parties : undefined;
  if (parties) {
    const subjectParties: string[] = [];
    const others: string[][] = [];
    for (const [party, columns] of Object.entries(parties).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const held = columns.filter((c) => kindOf.has(c)).flatMap(values);
      if (held.some(isSubject)) subjectParties.push(party);
      else if (held.length > 0) others.push(held.map((v) => `${v.kind}\u0000${v.value}`));
    }
    return subjectParties.length > 0 ? { others, subjectParties } : { others: [] };
  }
  const others: string[][] = [];
  for (const [kind, columns] of Object.entries(spec.identities)) {
    // Two columns of the kind, or one holding a list (an array of addresses): one value alone
    // names nobody else.
    const held = columns.flatMap(values);
    if (held.length < 2 || !held.some(isSubject)) continue;
    for (const v of held) if (!isSubject(v)) others.push([`${kind}\u0000${v.value}`]);
  }
  return { others };
}

/**
 * For each found row, the other people it refers to through follow columns (see
 * `decideSharedRows`): per group of two or more follow columns of its table onto one table, when
 * one holds a key of the subject's found rows there and another a key of none, each such key as a
 * person (`follow`, NUL, table, NUL, the key's JSON). Keys are compared as the whole foreign key of
 * PostgreSQL that names the column, else as the column's value.
 */
function followedPeople(
  specs: ReadonlyMap<string, TableSpec>,
  findings: FindingsDocument,
  foreignKeys: readonly PgForeignKey[],
): (f: Finding) => string[][] {
  const groups = new Map<string, FollowEdge[][]>();
  for (const [id, spec] of specs) {
    const byTarget = new Map<string, FollowEdge[]>();
    for (const edge of followEdgesOf(id, spec, foreignKeys)) {
      const edges = byTarget.get(edge.target) ?? [];
      byTarget.set(edge.target, edges);
      edges.push(edge);
    }
    const many = [...byTarget.values()].filter((edges) => edges.length >= 2);
    if (many.length > 0) groups.set(id, many);
  }
  if (groups.size === 0) return () => [];
  const subjectKeys = subjectKeysIn(findings);
  return (f) => {
    const tableGroups = groups.get(`${f.system}:${f.table}`);
    if (!tableGroups) return [];
    const others: string[][] = [];
    for (const edges of tableGroups) {
      let subjects = 0;
      const strangers: string[] = [];
      for (const edge of edges) {
        const key = edgeTuple(f.row, edge);
        if (key === undefined) continue;
        if (subjectKeys(edge.target, edge.refColumns).has(key)) subjects++;
        else strangers.push(`follow\u0000${edge.target}\u0000${key}`);
      }
      if (subjects > 0) for (const s of strangers) others.push([s]);
    }
    return others;
  };
}

/**
 * For each found row of a table without `parties` whose people are named by columns — identity
 * columns, and follow columns onto a table of people (one that maps an identity) — the other people
 * it names, when it names the subject too in a column of another kind (a message from
 * `sender_email` to `recipient_id`), or when it was reached only through follow edges and names
 * other people but not her (Ben's vote on her poll, his document in her team). A column names another person only
 * where the subject is known in its terms: an identity value of a kind she has values of that is
 * not hers, or a key of a table she has rows in that is not one of hers (a ticket's agent, in a
 * table of staff she is not in, names nobody the subject is compared with). Rows of one kind
 * throughout are `otherPeople`'s and `followedPeople`'s.
 */
function mixedPeople(
  specs: ReadonlyMap<string, TableSpec>,
  findings: FindingsDocument,
  foreignKeys: readonly PgForeignKey[],
  kinds: ReadonlyMap<string, { readonly kindOf: ReadonlyMap<string, string> }>,
  subject: ReadonlyMap<string, ReadonlySet<string>>,
  normalizer: (kind: string) => (v: string) => string,
): (f: Finding) => string[][] {
  const people = new Set(
    [...specs].filter(([, spec]) => Object.keys(spec.identities).length > 0).map(([id]) => id),
  );
  const plans = new Map<string, { identity: [string, string][]; edges: FollowEdge[] }>();
  for (const [id, spec] of specs) {
    if (spec.erasure && 'parties' in spec.erasure && spec.erasure.parties) continue;
    const identity = [...(kinds.get(id)?.kindOf ?? new Map<string, string>())];
    // A person's own record naming another of its table (`referred_by`, `manager_id`) is hers.
    const edges = followEdgesOf(id, spec, foreignKeys).filter((e) => people.has(e.target) && e.target !== id);
    if (identity.length + edges.length > 0) plans.set(id, { identity, edges });
  }
  if (plans.size === 0) return () => [];
  const subjectKeys = subjectKeysIn(findings);
  return (f) => {
    const plan = plans.get(`${f.system}:${f.table}`);
    if (!plan) return [];
    let named = false;
    const others: string[][] = [];
    for (const [column, kind] of plan.identity) {
      const known = subject.get(kind);
      for (const v of scalars(f.row[column] ?? null)) {
        const value = normalizer(kind)(v);
        if (known?.has(value)) named = true;
        else if (known && known.size > 0) others.push([`${kind}\u0000${value}`]);
      }
    }
    for (const edge of plan.edges) {
      const key = edgeTuple(f.row, edge);
      if (key === undefined) continue;
      const mine = subjectKeys(edge.target, edge.refColumns);
      if (mine.has(key)) named = true;
      else if (mine.size > 0) others.push([`follow\u0000${edge.target}\u0000${key}`]);
    }
    if (named) return others;
    // A record of a table of people reached only through follows from its own table (the people
    // she manages, through `manager_id`; those she referred): another person's own record, whether
    // its identity columns name them or are empty.
    const own = `${f.system}:${f.table}.`;
    if (
      people.has(`${f.system}:${f.table}`) &&
      f.provenance.length > 0 &&
      f.provenance.every((p) => p.via === 'follow' && p.from.startsWith(own))
    )
      return others.length > 0
        ? others
        : [[`record\u0000${f.system}:${f.table}\u0000${JSON.stringify(f.key)}`]];
    // Reached only through follow edges (from an object or a group of hers: her poll, her team),
    // naming other people and not her: their row (Ben's vote on her poll), not hers to erase.
    return others.length > 0 && f.provenance.every((p) => p.via === 'follow') ? others : [];
  };
}

/** A follow edge of a table: its columns and the followed table's, compared together. */
interface FollowEdge {
  readonly target: string;
  readonly columns: readonly string[];
  readonly refColumns: readonly string[];
  /** The data map's `followWhere`: a row refers through the edge only when `column` holds one of `values`. */
  readonly where?: { readonly column: string; readonly values: ReadonlySet<string> };
}

/** The edge's columns in a row as one JSON key (`tupleOf`); undefined where its `followWhere` excludes the row. */
function edgeTuple(row: Finding['row'], edge: FollowEdge): string | undefined {
  if (edge.where) {
    const v = row[edge.where.column];
    if ((typeof v !== 'string' && typeof v !== 'number') || !edge.where.values.has(String(v)))
      return undefined;
  }
  return tupleOf(row, edge.columns);
}

/**
 * The follow edges of the table `id` names, each onto `<system>:<table>`: compared as the whole
 * PostgreSQL foreign key that names the column where there is one, else as the column's value.
 */
function followEdgesOf(id: string, spec: TableSpec, foreignKeys: readonly PgForeignKey[]): FollowEdge[] {
  const system = id.slice(0, id.indexOf(':'));
  return Object.entries(spec.follow).flatMap(([column, targets]) =>
    ([] as string[]).concat(targets).map((target) => {
      const ref = parseColumnRef(target);
      const fk =
        system === 'postgres' && ref.system === 'postgres'
          ? foreignKeys.find(
              (k) =>
                k.table === spec.table &&
                k.refTable === ref.table &&
                k.columns.some((c, i) => c === column && k.refColumns[i] === ref.column),
            )
          : undefined;
      const [where] = Object.entries(spec.followWhere[column] ?? {});
      return {
        target: `${ref.system}:${ref.table}`,
        columns: fk ? fk.columns : [column],
        refColumns: fk ? fk.refColumns : [ref.column],
        ...(where ? { where: { column: where[0], values: new Set(where[1]) } } : {}),
      };
    }),
  );
}

/** The subject's keys in a followed table, per set of its columns: her found rows there (made once each). */
function subjectKeysIn(
  findings: FindingsDocument,
): (target: string, refColumns: readonly string[]) => Set<string> {
  const keys = new Map<string, Set<string>>();
  return (target, refColumns) => {
    const id = `${target}\u0000${refColumns.join('\u0000')}`;
    let set = keys.get(id);
    if (!set) {
      set = new Set();
      for (const q of findings.findings) {
        if (`${q.system}:${q.table}` !== target) continue;
        const key = tupleOf(q.row, refColumns);
        if (key !== undefined) set.add(key);
      }
      keys.set(id, set);
    }
    return set;
  };
}

/** The values of `columns` in a row as one JSON key; undefined when any is null or not a scalar. */
function tupleOf(row: Finding['row'], columns: readonly string[]): string | undefined {
  const values: string[] = [];
  for (const c of columns) {
    const v = row[c];
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    values.push(String(v));
  }
  return JSON.stringify(values);
}

/** How many different people `rows` name: parties sharing an identity value are one person. */
export function countOtherPersons(rows: readonly SharedRow[]): number {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  for (const row of rows)
    for (const person of row.others) {
      const [first, ...rest] = person;
      if (first === undefined) continue;
      if (!parent.has(first)) parent.set(first, first);
      for (const v of rest) {
        if (!parent.has(v)) parent.set(v, v);
        parent.set(find(v), find(first));
      }
    }
  return new Set([...parent.keys()].map(find)).size;
}

/** Whether an identity column of the row holds a list, which may name several people. */
function holdsList(kindOf: ReadonlyMap<string, string>, row: Finding['row']): boolean {
  for (const column of kindOf.keys()) if (Array.isArray(row[column])) return true;
  return false;
}

function scalars(value: CanonicalValue): string[] {
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(scalars);
  return [];
}
