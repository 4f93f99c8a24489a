import type { PgCatalog, PgTable } from '../../postgres/readPgCatalog';
import type { DetectorId } from '../../scan/detectors/Detector';
import type { Classification } from '../../scan/LocationTally';
import type { Normalization } from '../dataMapSchema';
import type { Inferred, InitialDataMap, InitTable } from './InitialDataMap';
import {
  CATEGORY_OF,
  identityFromName,
  looksLikeCredential,
  namesPeople,
  normalizationOf,
  personKindOf,
} from './identityRules';
import type { Overlap } from './measureOverlap';
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
}

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
 * - every base table, keyless ones without `primaryKey`;
 * - edges from foreign keys and, where none are declared, from names confirmed by value overlap;
 * - identities from e-mail and phone columns (by name or sampled values) and from the key of a
 *   person table (one whose key other tables refer to and which holds an e-mail or phone), never
 *   from a reference's name; `learn` on person tables only;
 * - each edge's direction from how the subject reaches it: a table follows the key of a table
 *   already reached (orders follow customers), and a table reached only through the tables that
 *   refer to it follows their columns (addresses follow customers.address_id, orders.billing_address_id);
 * - `categories` for columns the detectors recognise; mirrors matched by name in Snowflake.
 * Tables no subject could reach are left out with the reason.
 */
export function buildInitialDataMap(input: InitInput): InitialDataMap {
  const leftOut: { table: string; reason: string }[] = [];
  const drafts = new Map<string, Draft>();
  for (const [id, pg] of input.catalog.tables) {
    if (!input.baseTables.has(id)) continue;
    if (!pg.schema.match(PLAIN) || !pg.name.match(PLAIN)) {
      leftOut.push({ table: id, reason: 'its name is not a plain identifier, which a data map cannot hold' });
      continue;
    }
    const key = pg.primaryKey;
    if (key && !key.every((c) => PLAIN.test(c))) {
      leftOut.push({ table: id, reason: 'a primary-key column name is not a plain identifier' });
      continue;
    }
    drafts.set(id, {
      table: id,
      pg,
      primaryKey: key ? { value: key, reason: 'primary key constraint' } : undefined,
      identities: new Map(),
      learn: undefined,
      follow: new Map(),
      categories: new Map(),
      exclude: [],
      mirror: undefined,
      notes: key ? [] : ['no primary key: searched without one, each found row listed in full'],
    });
  }
  for (const { table, note } of input.nameNotes ?? []) drafts.get(table)?.notes.push(note);

  const edges = collectEdges(input, drafts);
  const people = personTables(drafts, edges, input.columnEvidence);
  for (const draft of drafts.values()) {
    proposeIdentities(draft, input.columnEvidence.get(draft.table), people.get(draft.table));
    proposeCategories(draft, input.columnEvidence.get(draft.table));
  }

  const reach = directEdges(drafts, edges);
  const kept = [...drafts.values()].filter((d) => {
    if (reach.has(d.table)) return true;
    const referrers = edges.filter((e) => e.to === d.table && reach.has(e.from)).map((e) => e.from);
    leftOut.push({
      table: d.table,
      reason:
        referrers.length > 0
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
  return {
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
    if (sampled === 0) {
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

/**
 * One-person-per-row tables: a table whose own single key other tables refer to and which holds an
 * e-mail or phone column. A table that itself refers to such a table (a service request naming its
 * employee) mentions several people and is not one, unless its name says it holds people
 * (`customers` naming their account manager). Maps each to the identity kind of its key
 * (`customers` → `customer_id`).
 */
function personTables(
  drafts: ReadonlyMap<string, Draft>,
  edges: readonly Edge[],
  evidence: ReadonlyMap<string, ReadonlyMap<string, Classification>>,
): Map<string, { kind: string; key: string; referrers: string[] }> {
  const people = new Map<string, { kind: string; key: string; referrers: string[] }>();
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
  for (const table of [...people.keys()]) {
    const refersToPeople = edges.some((e) => e.from === table && e.to !== table && people.has(e.to));
    if (refersToPeople && !namesPeople(table)) people.delete(table);
  }
  return people;
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

function proposeIdentities(
  draft: Draft,
  evidence: ReadonlyMap<string, Classification> | undefined,
  person: { kind: string; key: string; referrers: string[] } | undefined,
): void {
  const add = (kind: string, column: string, reason: string) => {
    draft.identities.set(kind, [...(draft.identities.get(kind) ?? []), { value: column, reason }]);
  };
  if (person)
    add(person.kind, person.key, `key of a table of people, referred to by ${person.referrers.join(', ')}`);
  for (const column of draft.pg.columns) {
    if (column.name === person?.key) continue;
    const contact = contactKindOf(draft, column.name, evidence);
    if (contact) add(contact.kind, column.name, contact.reason);
  }
  if (person) {
    const kinds = [...draft.identities.keys()].sort(compare);
    const contact = kinds.filter((k) => k !== person.kind).join(' and ');
    draft.learn = {
      value: kinds,
      reason: `one person per row: its key is referred to by other tables and it holds ${contact}`,
    };
  }
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
 * more is reached that way, a table holding personal data that is referred to by reached tables
 * follows their referencing columns. Edges between two reached tables then follow the way their
 * target was reached.
 */
function directEdges(drafts: ReadonlyMap<string, Draft>, edges: readonly Edge[]): Map<string, Reach> {
  const reach = new Map<string, Reach>();
  for (const d of drafts.values()) if (d.identities.size > 0) reach.set(d.table, 'identity');
  const open = new Set(edges);
  // A table that learns must be found by its own identities only: a row reached through a
  // reference (a customer found through the account manager's id) may be someone else's, and what
  // it teaches would become the subject's.
  const learns = (draft: Draft, column: string, ref: string) => {
    if (!draft.learn) return false;
    draft.notes.push(
      `${column} is not followed to ${ref}: this table learns identifiers, and a row reached through a reference may be another person's`,
    );
    return true;
  };
  const forward = (e: Edge) => {
    const draft = drafts.get(e.from);
    open.delete(e);
    if (!draft || learns(draft, e.column, `${e.to}.${e.targetColumn}`)) return;
    draft.follow.set(e.column, [
      ...(draft.follow.get(e.column) ?? []),
      { value: `${e.to}.${e.targetColumn}`, reason: e.reason },
    ]);
  };
  const backward = (e: Edge) => {
    const draft = drafts.get(e.to);
    open.delete(e);
    if (!draft || learns(draft, e.targetColumn, `${e.from}.${e.column}`)) return;
    draft.follow.set(e.targetColumn, [
      ...(draft.follow.get(e.targetColumn) ?? []),
      { value: `${e.from}.${e.column}`, reason: e.reason },
    ]);
  };
  const holdsPersonalData = (table: string) => (drafts.get(table)?.categories.size ?? 0) > 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of [...open]) {
      if (reach.has(e.to) && !reach.has(e.from)) {
        forward(e);
        reach.set(e.from, 'follows');
        changed = true;
      }
    }
    if (changed) continue;
    const reachedNow = new Set(reach.keys());
    for (const e of [...open]) {
      if (!e.composite && reachedNow.has(e.from) && !reachedNow.has(e.to) && holdsPersonalData(e.to)) {
        backward(e);
        reach.set(e.to, 'followed');
        changed = true;
      }
    }
  }
  for (const e of [...open]) {
    if (!reach.has(e.from) || !reach.has(e.to)) continue;
    if (reach.get(e.to) === 'followed' && !e.composite) backward(e);
    else forward(e);
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
