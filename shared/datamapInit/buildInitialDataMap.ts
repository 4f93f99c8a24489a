import type { Normalization } from '../identity/Normalization';
import type { PgCatalog, PgTable } from '../postgres/readPgCatalog';
import type { DetectorId } from '../scan/detectors/Detector';
import type { Classification } from '../scan/LocationTally';
import type { Inferred, InitialDataMap, InitTable } from './InitialDataMap';
import {
  CATEGORY_OF,
  identityFromName,
  looksLikeCredential,
  namesDetails,
  namesPeople,
  namesWorkforce,
  normalizationOf,
  personKindOf,
  singularOf,
} from './identityRules';
import type { FanOut } from './measureFanOut';
import type { Overlap } from './measureOverlap';
import type { PhoneForms, SampledRepeats } from './measureUniqueness';
import type { PgForeignKey } from './readForeignKeys';
import { keyColumnOf, type NameReference } from './referencesByName';

/** A reference proposed from a column's name, with what sampling its values found. */
export interface MeasuredReference extends NameReference {
  readonly overlap: Overlap;
}

export interface InitInput {
  readonly catalog: PgCatalog;
  /** `schema.table` of base tables; views and partitions are not proposed. */
  readonly baseTables: ReadonlySet<string>;
  readonly foreignKeys: readonly PgForeignKey[];
  /** `schema.table` → column → what the detectors made of its sampled values and name. */
  readonly columnEvidence: ReadonlyMap<string, ReadonlyMap<string, Classification>>;
  /** References proposed from names, each with its measured overlap. */
  readonly nameReferences?: readonly MeasuredReference[];
  /** Remarks on names that looked like references but could not be proposed. */
  readonly nameNotes?: readonly { readonly table: string; readonly note: string }[];
  /** Share (0–1] of sampled values that must be found for a name reference to be kept. @default 0.9 */
  readonly overlapThreshold?: number;
  /** `DATABASE.SCHEMA.TABLE` of the Snowflake tables, when a Snowflake catalog was read. */
  readonly snowflakeTables?: readonly string[];
  /** `schema.table.column` → name of a single-column unique index on it (primary keys included). */
  readonly uniqueIndexes?: ReadonlyMap<string, string>;
  /** `schema.table.column` → repeats among its sampled values, normalised as its identity kind. */
  readonly repeats?: ReadonlyMap<string, SampledRepeats>;
  /**
   * `schema.table` → the table of people it extends one row per person (a single-column foreign key
   * under a unique index: `accounts_profile.user_id` onto `auth_user`).
   */
  readonly extensionOf?: ReadonlyMap<string, string>;
  /** `schema.table.column` → columns of other tables that hold some of its sampled values. */
  readonly sharedValues?: ReadonlyMap<string, readonly SharedValues[]>;
  /** `schema.table.column` → how many sampled phone numbers carry a country code. */
  readonly phoneForms?: ReadonlyMap<string, PhoneForms>;
  /** `schema.table.column` → rows of its table per distinct value (an edge's fan-out). */
  readonly fanOut?: ReadonlyMap<string, FanOut>;
  /** When a followed column's keys reach too much of its table. */
  readonly limits?: FanOutLimits;
  /** `schema.table` of tables that hold no row. */
  readonly emptyTables?: ReadonlySet<string>;
}

/** Sampled values of one column also found in another table's column (of the same identity kind). */
export interface SharedValues {
  /** `schema.table.column` of the other column. */
  readonly other: string;
  readonly sampled: number;
  readonly shared: number;
}

/**
 * An edge whose typical key (the median) reaches more rows than `maxFanout`, or a larger share of
 * its table than `maxShare` (on tables of at least `minRowsForShare` rows), is not proposed: it is
 * written commented out with its figures.
 */
export interface FanOutLimits {
  /** @default 10000 */
  readonly maxFanout: number;
  /** @default 0.1 */
  readonly maxShare: number;
  /** @default 100 */
  readonly minRowsForShare: number;
}

export const DEFAULT_LIMITS: FanOutLimits = { maxFanout: 10_000, maxShare: 0.1, minRowsForShare: 100 };

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** What each detector recognises, as a comment names it. */
const DESCRIPTION: Readonly<Record<DetectorId, string>> = {
  email: 'e-mail addresses',
  phone: 'phone numbers',
  postal_address: 'postal addresses',
  person_name: "people's names",
  date_of_birth: 'dates of birth',
  us_ssn: 'US social security numbers',
  ip_address: 'IP addresses',
  credit_card: 'payment card numbers',
  iban: 'IBANs',
};

/** A confirmed edge between a referencing column and the key it refers to, not yet given a direction. */
interface Edge {
  readonly from: string;
  readonly column: string;
  readonly to: string;
  readonly targetColumn: string;
  readonly reason: string;
  /** Part of a composite foreign key: followed from the referencing side only. */
  readonly composite: boolean;
}

interface Draft {
  table: string;
  pg: PgTable;
  primaryKey: Inferred<readonly string[]> | undefined;
  identities: Map<string, Inferred<string>[]>;
  learn: Inferred<readonly string[]> | undefined;
  follow: Map<string, Inferred<string>[]>;
  categories: Map<string, Inferred<string>>;
  exclude: Inferred<string>[];
  mirror: Inferred<string> | undefined;
  notes: string[];
}

type Reach = 'identity' | 'follows' | 'followed';

/**
 * Proposes a data map from the catalog and what sampling found:
 * - every base table (partitioned ones with the key their partitions share), keyless ones without
 *   `primaryKey`; tables no subject can reach are kept as commented-out entries, with the reason;
 * - edges from foreign keys and, where none are declared, from names confirmed by value overlap
 *   (an empty table's by its names alone);
 * - people: a table whose own single key other tables refer to and which holds an e-mail or phone.
 *   Its key and those contact columns whose values are unique per row (a unique index, or no
 *   repeat among the sampled values, and none shared with another table's column of that kind)
 *   are its identities, and it learns them all; a column whose values repeat is not mapped, with
 *   the share that repeats;
 * - details: a table people refer to that does not name people itself (addresses, contact
 *   details, profiles) has no identity of its own: it follows every column referring to it and
 *   learns nothing;
 * - a table referring to two or more tables of people follows the subject side only: the
 *   workforce side (the staff member who handled a rental) is written commented out, decided by
 *   the names and by the measured fan-out, and the comment says which decided;
 * - every followed column's fan-out (rows per key) is written beside it; one whose typical key
 *   reaches more than the limits is commented out with its figures;
 * - `categories` for columns the detectors recognise; mirrors matched by name in Snowflake.
 */
export function buildInitialDataMap(input: InitInput): InitialDataMap {
  const limits = input.limits ?? DEFAULT_LIMITS;
  const leftOut: { table: string; reason: string; primaryKey?: readonly string[] }[] = [];
  const drafts = new Map<string, Draft>();
  // A child table by inheritance is read through its parent: proposed on its own too, its rows
  // would be found twice.
  const parentOf = new Map<string, string>();
  for (const [id, pg] of input.catalog.tables)
    for (const child of pg.inheritedBy ?? []) if (!parentOf.has(child)) parentOf.set(child, id);
  for (const [id, pg] of input.catalog.tables) {
    if (!input.baseTables.has(id)) continue;
    const parent = parentOf.get(id);
    if (parent && input.baseTables.has(parent)) {
      leftOut.push({
        table: id,
        reason: `a child table of ${parent} by inheritance: a search of ${parent} reads its rows`,
      });
      continue;
    }
    if (!pg.schema.match(PLAIN) || !pg.name.match(PLAIN)) {
      leftOut.push({ table: id, reason: 'its name is not a plain identifier, which a data map cannot hold' });
      continue;
    }
    const key = keyOf(pg);
    if (key && !key.value.every((c) => PLAIN.test(c))) {
      leftOut.push({ table: id, reason: 'a primary-key column name is not a plain identifier' });
      continue;
    }
    drafts.set(id, {
      table: id,
      pg,
      primaryKey: key,
      identities: new Map(),
      learn: undefined,
      follow: new Map(),
      categories: new Map(),
      exclude: [],
      mirror: undefined,
      notes: key
        ? []
        : pg.inheritedBy?.length
          ? [
              `child tables by inheritance (${pg.inheritedBy.join(', ')}), whose rows a search of it reads too: searched without a key (none holds across them), each found row listed in full`,
            ]
          : ['no primary key: searched without one, each found row listed in full'],
    });
  }
  for (const { table, note } of input.nameNotes ?? []) drafts.get(table)?.notes.push(note);

  const edges = collectEdges(input, drafts);
  const { people, details } = classifyTables(drafts, edges, input.columnEvidence);
  for (const draft of drafts.values()) {
    proposeCategories(draft, input.columnEvidence.get(draft.table));
    if (details.has(draft.table)) describeDetails(draft, edges, people, input.fanOut);
    else proposeIdentities(draft, input, people.get(draft.table));
  }
  const open = holdWorkforceSide(drafts, edges, people, input.fanOut);

  const reach = directEdges(drafts, open, details, input.fanOut, limits);
  const kept = [...drafts.values()].filter((d) => {
    if (reach.has(d.table)) return true;
    const referrers = edges.filter((e) => e.to === d.table && reach.has(e.from)).map((e) => e.from);
    // An edge to a reachable table that the limits held back: say so, with its figures.
    const tooWide = d.notes.find((n) => n.includes('(decided by fan-out)'));
    leftOut.push({
      table: d.table,
      ...(d.primaryKey ? { primaryKey: d.primaryKey.value } : {}),
      reason: tooWide
        ? `${tooWide}; so no subject reaches it: raise --max-fanout or --max-share, or connect it by hand after review`
        : referrers.length > 0
          ? `referred to by ${[...new Set(referrers)].join(', ')} but holds no personal data the sample showed, so it is not followed`
          : 'no identity column found and no reference to or from a reachable table, so no subject can reach it',
    });
    return false;
  });
  for (const d of kept) {
    proposeExcludes(d);
    d.mirror = matchMirror(d.pg, input.snowflakeTables);
  }

  const identities = new Map<string, Normalization>();
  for (const d of kept) for (const kind of d.identities.keys()) identities.set(kind, normalizationOf(kind));
  // Phone identities compared as digits: numbers written with a country code never match the same
  // numbers written without one, so a mix is said, with the counts and the fix.
  const notes: string[] = [];
  if (identities.get('phone') === 'digits') {
    const mapped = new Set(
      kept.flatMap((d) => (d.identities.get('phone') ?? []).map((c) => `${d.table}.${c.value}`)),
    );
    const forms = [...(input.phoneForms ?? [])].filter(([id]) => mapped.has(id)).map(([, f]) => f);
    const sampled = forms.reduce((n, f) => n + f.sampled, 0);
    const withCode = forms.reduce((n, f) => n + f.withCountryCode, 0);
    if (withCode > 0 && withCode < sampled)
      notes.push(
        `phone: ${withCode} of ${sampled} sampled numbers are written with a country code and ${sampled - withCode} without one. Compared as digits, the two forms of one number never match (+44 20 7946 0958 is not 020 7946 0958): set phone: { normalize: phone, region: <the country of the numbers written without one> }.`,
      );
  }
  return {
    ...(notes.length > 0 ? { notes } : {}),
    identities: new Map([...identities].sort(([a], [b]) => compare(a, b))),
    postgres: kept.map(
      (d): InitTable => ({
        table: d.table,
        primaryKey: d.primaryKey,
        identities: d.identities,
        learn: d.learn,
        follow: new Map(
          [...d.follow].map(([c, refs]) => [c, [...refs].sort((a, b) => compare(a.value, b.value))]),
        ),
        categories: d.categories,
        exclude: d.exclude,
        mirror: d.mirror,
        notes: d.notes,
      }),
    ),
    leftOut: leftOut.sort((a, b) => compare(a.table, b.table)),
  };
}

/**
 * The table's primary key; for a partitioned table without one, the key every partition declares
 * (its primary key or a unique index over NOT NULL columns) with the columns the table is
 * partitioned by, so findings keep a real key (`checkPostgresCatalog` accepts no less). None for a
 * table with child tables by inheritance (no key holds across them) or one partitioned by an
 * expression without a key of its own.
 */
function keyOf(pg: PgTable): Inferred<readonly string[]> | undefined {
  if (pg.inheritedBy && pg.inheritedBy.length > 0) return undefined;
  if (pg.primaryKey) return { value: pg.primaryKey, reason: 'primary key constraint' };
  const partitions = pg.partitions ?? [];
  if (partitions.length === 0 || !pg.partitionedBy || pg.partitionedBy.expression) return undefined;
  const keysOf = (p: (typeof partitions)[number]) => [
    ...(p.primaryKey ? [p.primaryKey] : []),
    ...p.uniqueKeys.filter((k) => k.every((c) => p.notNull.includes(c))),
  ];
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((c) => b.includes(c));
  const [first, ...rest] = partitions;
  const shared = first
    ? keysOf(first).find((k) => rest.every((p) => keysOf(p).some((o) => same(o, k))))
    : undefined;
  if (!shared) return undefined;
  const by = pg.partitionedBy.columns.filter((c) => !shared.includes(c));
  return {
    value: [...shared, ...by],
    reason:
      by.length > 0
        ? `the key each of its ${partitions.length} partitions declares, with the column(s) it is partitioned by (${by.join(', ')}): each partition's key holds within that partition alone (the partitioned table itself has none)`
        : `the key each of its ${partitions.length} partitions declares (the partitioned table itself has none)`,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function collectEdges(input: InitInput, drafts: Map<string, Draft>): Edge[] {
  const edges: Edge[] = [];
  for (const fk of input.foreignKeys) {
    const draft = drafts.get(fk.table);
    if (!draft) continue;
    if (!drafts.has(fk.references)) {
      draft.notes.push(`foreign key ${fk.name} is not followed: ${fk.references} is not in this map`);
      continue;
    }
    if (fk.references === fk.table) {
      draft.notes.push(
        `foreign key ${fk.name} is not followed: it refers to its own table, and would reach other people's rows`,
      );
      continue;
    }
    fk.columns.forEach((column, i) => {
      const target = fk.referencedColumns[i] ?? '';
      if (!PLAIN.test(column) || !PLAIN.test(target)) return;
      const composite = fk.columns.length > 1;
      edges.push({
        from: fk.table,
        column,
        to: fk.references,
        targetColumn: target,
        reason: `foreign key ${fk.name}${composite ? ` (column ${i + 1} of ${fk.columns.length})` : ''}`,
        composite,
      });
    });
  }
  const threshold = input.overlapThreshold ?? 0.9;
  for (const ref of input.nameReferences ?? []) {
    const draft = drafts.get(ref.table);
    if (!draft || !drafts.has(ref.target)) continue;
    const { sampled, found } = ref.overlap;
    const share = sampled === 0 ? 0 : found / sampled;
    const shortTarget = `${ref.target.slice(ref.target.indexOf('.') + 1)}.${ref.targetColumn}`;
    const evidence = `${found}/${sampled} sampled values found (${percentOf(found, sampled)} %)`;
    if (sampled === 0 && input.emptyTables?.has(ref.table)) {
      edges.push({
        from: ref.table,
        column: ref.column,
        to: ref.target,
        targetColumn: ref.targetColumn,
        reason: `proposed from name ${ref.column} -> ${shortTarget} alone: the table is empty, so rows written later are found`,
        composite: false,
      });
    } else if (sampled === 0) {
      draft.notes.push(
        `${ref.column} is not followed: its name suggests ${shortTarget} but it holds no values to compare`,
      );
    } else if (share < threshold) {
      draft.notes.push(
        `${ref.column} is not followed: its name suggests ${shortTarget} but only ${evidence}`,
      );
    } else {
      edges.push({
        from: ref.table,
        column: ref.column,
        to: ref.target,
        targetColumn: ref.targetColumn,
        reason: `proposed from name ${ref.column} -> ${shortTarget}; ${evidence}`,
        composite: false,
      });
    }
  }
  return edges;
}

/** Whole percent, never rounded up to 100 when a value was missing. */
function percentOf(found: number, sampled: number): number {
  return sampled === 0 ? 0 : Math.floor((found * 100) / sampled);
}

type Person = { kind: string; key: string; referrers: string[] };

/**
 * One-person-per-row tables: a table whose own single key other tables refer to and which holds an
 * e-mail or phone column. A table that itself refers to such a table (a service request naming its
 * employee) mentions several people and is not one, unless its name says it holds people
 * (`customers` naming their account manager). A table people refer to whose name does not say it
 * holds people (`address`, `contact_details`) holds their details instead, even with a phone
 * column. Maps each person table to the identity kind of its key (`customers` → `customer_id`).
 */
function classifyTables(
  drafts: ReadonlyMap<string, Draft>,
  edges: readonly Edge[],
  evidence: ReadonlyMap<string, ReadonlyMap<string, Classification>>,
): { people: Map<string, Person>; details: Set<string> } {
  const people = new Map<string, Person>();
  for (const d of drafts.values()) {
    const key = keyColumnOf(d.pg)?.name;
    const referrers = edges
      .filter((e) => e.to === d.table && e.targetColumn === key && !e.composite)
      .map((e) => `${e.from}.${e.column}`);
    if (!key || referrers.length === 0) continue;
    if (!d.pg.columns.some((c) => contactKindOf(d, c.name, evidence.get(d.table)) !== undefined)) continue;
    const kind = personKindOf(d.table);
    if (kind) people.set(d.table, { kind, key, referrers: [...new Set(referrers)].sort(compare) });
  }
  const details = new Set<string>();
  const referredByPeople = (table: string) =>
    edges.some((e) => e.to === table && e.from !== table && people.has(e.from) && !e.composite);
  for (const table of [...people.keys()]) {
    if ((namesDetails(table) || !namesPeople(table)) && referredByPeople(table)) details.add(table);
  }
  for (const table of details) people.delete(table);
  for (const table of [...people.keys()]) {
    const refersToPeople = edges.some((e) => e.from === table && e.to !== table && people.has(e.to));
    if (refersToPeople && !namesPeople(table)) people.delete(table);
  }
  // A table of details people refer to, found without a contact column (an address of streets).
  for (const d of drafts.values())
    if (!people.has(d.table) && namesDetails(d.table) && referredByPeople(d.table)) details.add(d.table);
  return { people, details };
}

/** The e-mail or phone kind of a text column, from its name or its sampled values. */
function contactKindOf(
  draft: Draft,
  column: string,
  evidence: ReadonlyMap<string, Classification> | undefined,
): { kind: 'email' | 'phone'; reason: string } | undefined {
  const pg = draft.pg.columns.find((c) => c.name === column);
  if (pg?.category !== 'S' || !PLAIN.test(column)) return undefined;
  const seen = evidence?.get(column);
  const seenKind =
    seen && seen.basis !== 'name' && (seen.detector === 'email' || seen.detector === 'phone')
      ? seen.detector
      : undefined;
  const byName = identityFromName(column);
  if (byName && (!seen || seenKind === byName.kind)) return byName;
  if (seenKind && seen) {
    const what = seenKind === 'email' ? 'e-mail addresses' : 'phone numbers';
    return { kind: seenKind, reason: `${seen.matches} of ${seen.samples} sampled values look like ${what}` };
  }
  return undefined;
}

/**
 * The e-mail and phone columns of a table init would map (by name or sampled values), with their
 * kind: what `initDataMap` measures for uniqueness before the map is built.
 */
export function contactColumnsOf(
  table: PgTable,
  evidence: ReadonlyMap<string, Classification> | undefined,
): { column: string; kind: 'email' | 'phone' }[] {
  const draft = { pg: table } as Draft;
  return table.columns.flatMap((c) => {
    const contact = contactKindOf(draft, c.name, evidence);
    return contact ? [{ column: c.name, kind: contact.kind }] : [];
  });
}

/**
 * Whether a column's values identify one row: the evidence, or why not. A primary key or unique
 * index says so; otherwise the sampled values must hold no repeat, and no other table's column of
 * the same kind may share one (a number a supplier and a carrier share identifies neither).
 */
function uniqueness(
  table: string,
  column: string,
  input: InitInput,
): { unique: true; evidence: string } | { unique: false; why: string; repeatsWithin?: true } {
  const id = `${table}.${column}`;
  const shared = (input.sharedValues?.get(id) ?? []).filter((s) => s.shared > 0);
  if (shared.length > 0) {
    const with_ = shared.map((s) => `${s.other} (${s.shared} of ${s.sampled} sampled values)`).join(', ');
    return { unique: false, why: `its values also appear in ${with_}` };
  }
  const index = input.uniqueIndexes?.get(id);
  if (index) return { unique: true, evidence: `unique index ${index}` };
  const repeats = input.repeats?.get(id);
  if (!repeats || repeats.sampled === 0) return { unique: false, why: 'no sampled value to check' };
  if (repeats.repeated === 0)
    return { unique: true, evidence: `no repeated value among ${repeats.sampled} sampled values` };
  const pct = Math.max(1, Math.round((repeats.repeated * 100) / repeats.sampled));
  return {
    unique: false,
    why: `${pct} % of sampled values repeat (${repeats.repeated} of ${repeats.sampled})`,
    repeatsWithin: true,
  };
}

function proposeIdentities(draft: Draft, input: InitInput, person: Person | undefined): void {
  const evidence = input.columnEvidence.get(draft.table);
  const add = (kind: string, column: string, reason: string) => {
    draft.identities.set(kind, [...(draft.identities.get(kind) ?? []), { value: column, reason }]);
  };
  const learned: string[] = [];
  if (person) {
    add(person.kind, person.key, `key of a table of people, referred to by ${person.referrers.join(', ')}`);
    const index = input.uniqueIndexes?.get(`${draft.table}.${person.key}`);
    learned.push(`learns ${person.kind}: ${index ? `unique index ${index}` : 'its key'}`);
  }
  for (const column of draft.pg.columns) {
    if (column.name === person?.key) continue;
    const contact = contactKindOf(draft, column.name, evidence);
    if (!contact) continue;
    if (!person) {
      // One row per person of another table (a profile): a value two rows hold is two people's
      // (a household's phone number), and a request by it would answer with both.
      const extended = input.extensionOf?.get(draft.table);
      const repeats = input.repeats?.get(`${draft.table}.${column.name}`);
      if (extended && repeats && repeats.repeated > 0) {
        draft.notes.push(
          `${column.name} (${contact.kind}) is not searched here: ${repeats.repeated} of ${repeats.sampled} sampled values repeat, and each row belongs to one row of ${extended}, so a repeated value is held by several people`,
        );
        continue;
      }
      add(contact.kind, column.name, contact.reason);
      continue;
    }
    // In a table that learns, a row found by a shared value would teach its identifiers to
    // whoever else holds that value. Values that repeat within this table are mapped and learned
    // all the same: discovery measures each value at run time, and neither searches a request's
    // value two rows of this table hold nor follows a learned one (the request and learning
    // guards), so the other values still answer (before, an address re-registered after a soft
    // delete left the column out and every request by e-mail found nothing). Values another table
    // of people holds too (a number a supplier and a carrier share) are not mapped: one row in each
    // of two tables may be one person, and the guards search it.
    const verdict = uniqueness(draft.table, column.name, input);
    if (verdict.unique) {
      add(contact.kind, column.name, contact.reason);
      learned.push(`learns ${contact.kind} (${column.name}): ${verdict.evidence}`);
    } else if (verdict.repeatsWithin) {
      add(contact.kind, column.name, contact.reason);
      learned.push(
        `learns ${contact.kind} (${column.name}): ${verdict.why}, so a value two rows hold is neither searched for a request nor followed (the request and learning guards)`,
      );
    } else {
      draft.notes.push(
        `${column.name} (${contact.kind}) is not learned nor searched here: ${verdict.why}; a value two rows share identifies no one`,
      );
    }
  }
  if (person) {
    draft.learn = {
      value: [...draft.identities.keys()].sort(compare),
      reason: `one person per row; ${learned.join('; ')}`,
    };
  }
}

/**
 * A table of details (an address): no identity of its own, whoever points at it owns the row it
 * points at. Says so, with how many rows share one (a household address).
 */
function describeDetails(
  draft: Draft,
  edges: readonly Edge[],
  people: ReadonlyMap<string, Person>,
  fanOut: ReadonlyMap<string, FanOut> | undefined,
): void {
  const referrers = edges.filter((e) => e.to === draft.table && !e.composite);
  const fromPeople = referrers.filter((e) => people.has(e.from)).map((e) => `${e.from}.${e.column}`);
  const contacts = contactColumnsOf(draft.pg, undefined).map((c) => c.column);
  const shared = referrers
    .map((e) => ({ e, f: fanOut?.get(`${e.from}.${e.column}`) }))
    .filter((x) => x.f && x.f.max > 1)
    .map((x) => `up to ${x.f?.max} rows of ${x.e.from} share one`);
  draft.notes.push(
    `holds the details of whoever points at it (${[...new Set(fromPeople)].sort(compare).join(', ')}): ` +
      `followed from every referring column, learns nothing${contacts.length > 0 ? `; ${contacts.join(', ')} not an identity here` : ''}` +
      (shared.length > 0
        ? `; ${shared.join(', ')}, reported to each and leading to neither's other rows`
        : ''),
  );
}

/** `median m, p99 p, max x rows per key (y % of n rows)`, with the sample when one was read. */
export function describeFanOut(f: FanOut): string {
  const pct = f.rows === 0 ? 0 : Math.round((f.max * 1000) / f.rows) / 10;
  return (
    `fan-out median ${f.median}, p99 ${f.p99}, max ${f.max} rows per key (${pct} % of ${f.rows} rows` +
    `${f.sampledRows !== undefined ? `, estimated from ${f.sampledRows} sampled` : ''})`
  );
}

/**
 * Splits the edges of a table that refers to tables of people through two or more columns (two
 * tables, or one table twice) into its subject side and its workforce side: the rental's customer
 * and the staff member who handled it, the dispute's opener and the user who handled it. The
 * workforce edges are not followed and are written commented out. Names (`staff_id`,
 * `support_rep_id`, a table `employees`) and fan-out (a key reaching ten times the rows the other
 * side's keys reach) each vote; the comment says which decided. Returns the edges left to direct.
 */
function holdWorkforceSide(
  drafts: ReadonlyMap<string, Draft>,
  edges: readonly Edge[],
  people: ReadonlyMap<string, Person>,
  fanOut: ReadonlyMap<string, FanOut> | undefined,
): Set<Edge> {
  const open = new Set(edges);
  const byTable = new Map<string, Edge[]>();
  // A table of people keyed by several columns (`users (tenant_id, id)`) is not in `people` (its
  // key is not one column), but a table referring to it by that key still names one of its people:
  // that reference is a side too, so a case naming a customer so and its agent by key is split.
  const composite = (e: Edge) => e.composite && namesPeople(e.to) && !people.has(e.to);
  for (const e of edges)
    if ((people.has(e.to) && !e.composite) || composite(e))
      if (!people.has(e.from) && e.from !== e.to) byTable.set(e.from, [...(byTable.get(e.from) ?? []), e]);
  for (const [table, refs] of byTable) {
    // Two references to one table of people count too (`disputes (opened_by, handled_by)` onto `users`).
    if (refs.length < 2 || refs.every(composite)) continue;
    const draft = drafts.get(table);
    if (!draft) continue;
    const named = new Set(refs.filter((e) => namesWorkforce(e.column) || namesWorkforce(e.to)));
    const byName = named.size > 0 && named.size < refs.length ? named : new Set<Edge>();
    const medians = refs.map((e) => fanOut?.get(`${e.from}.${e.column}`)?.median ?? 0);
    const low = Math.min(...medians);
    const byFanOut = new Set(
      refs.filter((_, i) => low > 0 && (medians[i] ?? 0) >= 10 * low && (medians[i] ?? 0) > 1),
    );
    const workforce = byName.size > 0 ? byName : byFanOut;
    if (workforce.size === 0) {
      const targets = [...new Set(refs.map((e) => e.to))];
      draft.notes.push(
        targets.length > 1
          ? `refers to several tables of people (${targets.join(', ')}); neither names nor fan-out tell a workforce side, so it is searched from each`
          : `refers to ${targets[0]} through several columns (${refs.map((e) => e.column).join(', ')}); neither names nor fan-out tell a workforce side, so it is searched from each`,
      );
      continue;
    }
    for (const e of workforce) {
      open.delete(e);
      const decided =
        byName.has(e) && byFanOut.has(e)
          ? 'names and fan-out'
          : byName.has(e)
            ? byFanOut.size > 0
              ? 'names (fan-out pointed elsewhere)'
              : 'names'
            : 'fan-out';
      const f = fanOut?.get(`${e.from}.${e.column}`);
      draft.notes.push(
        `${e.column} is not followed to ${e.to}.${e.targetColumn}: the workforce side (decided by ${decided}); ` +
          `following it would hand one ${singularOf(e.to.slice(e.to.indexOf('.') + 1))} the rows of everyone they handled`,
        `  follow: { ${e.column}: ${e.to}.${e.targetColumn} }  # ${e.reason}${f ? `; ${describeFanOut(f)}` : ''}`,
      );
    }
  }
  return open;
}

function proposeCategories(draft: Draft, evidence: ReadonlyMap<string, Classification> | undefined): void {
  for (const column of draft.pg.columns) {
    const seen = evidence?.get(column.name);
    if (!seen || !PLAIN.test(column.name) || looksLikeCredential(column.name)) continue;
    const what = DESCRIPTION[seen.detector];
    const reason =
      seen.basis === 'name'
        ? `column name suggests ${what}`
        : `${seen.matches} of ${seen.samples} sampled values look like ${what}${seen.basis === 'name_and_values' ? ', as the name suggests' : ''}`;
    draft.categories.set(column.name, { value: CATEGORY_OF[seen.detector], reason });
  }
}

/**
 * Gives each edge its direction and returns how each reachable table is reached. Tables with an
 * identity are reached first; a table whose referenced table is reached follows it; when nothing
 * more is reached that way, a table of details, or one holding personal data, that is referred to
 * by reached tables follows their referencing columns. Edges between two reached tables then
 * follow the way their target was reached. A forward edge whose typical key reaches more rows than
 * the limits allow is written commented out instead, with its figures.
 */
function directEdges(
  drafts: ReadonlyMap<string, Draft>,
  open: Set<Edge>,
  details: ReadonlySet<string>,
  fanOut: ReadonlyMap<string, FanOut> | undefined,
  limits: FanOutLimits,
): Map<string, Reach> {
  const reach = new Map<string, Reach>();
  for (const d of drafts.values()) if (d.identities.size > 0) reach.set(d.table, 'identity');
  const fanOutOf = (e: Edge) => fanOut?.get(`${e.from}.${e.column}`);
  const withFanOut = (e: Edge) => {
    const f = fanOutOf(e);
    return f && f.rows > 0 ? `${e.reason}; ${describeFanOut(f)}` : e.reason;
  };
  // A table that learns must be found by its own identities only: a row reached through a
  // reference (a customer found through the account manager's id) may be someone else's, and what
  // it teaches would become the subject's.
  const learns = (draft: Draft, column: string, target: string, ref: string) => {
    if (!draft.learn) return false;
    const consequence = drafts.get(target)?.identities.size
      ? `${target} is searched by its own identities`
      : `so ${target} is found only if another table leads to it`;
    draft.notes.push(
      `${column} is not followed to ${ref}: ${draft.table} learns identifiers, and a row reached through a reference may be another person's; ${consequence}`,
    );
    return true;
  };
  const tooWide = (e: Edge): string | undefined => {
    const f = fanOutOf(e);
    if (!f) return undefined;
    if (f.median > limits.maxFanout)
      return `its typical key reaches ${f.median} rows (above ${limits.maxFanout})`;
    const share = f.rows === 0 ? 0 : f.median / f.rows;
    if (f.rows >= limits.minRowsForShare && share > limits.maxShare)
      return `its typical key reaches ${Math.round(share * 1000) / 10} % of the table (above ${Math.round(limits.maxShare * 1000) / 10} %)`;
    return undefined;
  };
  const forward = (e: Edge): boolean => {
    const draft = drafts.get(e.from);
    open.delete(e);
    if (!draft || learns(draft, e.column, e.to, `${e.to}.${e.targetColumn}`)) return false;
    const wide = tooWide(e);
    if (wide) {
      draft.notes.push(
        `${e.column} is not followed to ${e.to}.${e.targetColumn} (decided by fan-out): ${wide}; a subject would receive rows of many others`,
        `  follow: { ${e.column}: ${e.to}.${e.targetColumn} }  # ${withFanOut(e)}`,
      );
      return false;
    }
    draft.follow.set(e.column, [
      ...(draft.follow.get(e.column) ?? []),
      { value: `${e.to}.${e.targetColumn}`, reason: withFanOut(e) },
    ]);
    return true;
  };
  const backward = (e: Edge) => {
    const draft = drafts.get(e.to);
    open.delete(e);
    if (!draft || learns(draft, e.targetColumn, e.from, `${e.from}.${e.column}`)) return;
    draft.follow.set(e.targetColumn, [
      ...(draft.follow.get(e.targetColumn) ?? []),
      { value: `${e.from}.${e.column}`, reason: withFanOut(e) },
    ]);
  };
  const followable = (table: string) => details.has(table) || (drafts.get(table)?.categories.size ?? 0) > 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of [...open]) {
      if (reach.has(e.to) && !reach.has(e.from) && !details.has(e.from)) {
        if (forward(e)) {
          reach.set(e.from, 'follows');
          changed = true;
        }
      }
    }
    if (changed) continue;
    const reachedNow = new Set(reach.keys());
    for (const e of [...open]) {
      if (!e.composite && reachedNow.has(e.from) && !reachedNow.has(e.to) && followable(e.to)) {
        backward(e);
        reach.set(e.to, 'followed');
        changed = true;
      }
    }
  }
  for (const e of [...open]) {
    if (!reach.has(e.from) || !reach.has(e.to)) continue;
    if (reach.get(e.to) === 'followed' && !e.composite) backward(e);
    else if (!details.has(e.from)) forward(e);
  }
  return reach;
}

function proposeExcludes(draft: Draft): void {
  const linked = new Set([
    ...(draft.pg.primaryKey ?? []),
    ...[...draft.identities.values()].flatMap((cols) => cols.map((c) => c.value)),
    ...draft.follow.keys(),
  ]);
  for (const column of draft.pg.columns) {
    if (PLAIN.test(column.name) && !linked.has(column.name) && looksLikeCredential(column.name)) {
      draft.exclude.push({ value: column.name, reason: 'looks like a credential: kept out of responses' });
    }
  }
}

/**
 * The Snowflake table of the same name (ignoring case), preferring the same schema name when
 * several databases or schemas hold one; none when still ambiguous.
 */
function matchMirror(
  pg: PgTable,
  snowflakeTables: readonly string[] | undefined,
): Inferred<string> | undefined {
  if (!snowflakeTables) return undefined;
  const sameName = snowflakeTables.filter((t) => {
    const parts = t.split('.');
    return (
      parts.length === 3 &&
      parts.every((p) => PLAIN.test(p)) &&
      parts[2]?.toLowerCase() === pg.name.toLowerCase()
    );
  });
  const sameSchema = sameName.filter((t) => t.split('.')[1]?.toLowerCase() === pg.schema.toLowerCase());
  const [only] = sameName.length === 1 ? sameName : sameSchema.length === 1 ? sameSchema : [];
  return only === undefined
    ? undefined
    : {
        value: only,
        reason: `same table name in the Snowflake catalog${sameName.length > 1 ? ' and schema' : ''}`,
      };
}
