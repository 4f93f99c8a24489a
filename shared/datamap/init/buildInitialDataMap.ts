import type { PgCatalog, PgTable } from '../../postgres/readPgCatalog';
import type { Normalization } from '../dataMapSchema';
import type { Inferred, InitialDataMap, InitTable } from './InitialDataMap';
import {
  identityFromKeyTable,
  identityFromName,
  looksLikeCredential,
  normalizationOf,
} from './identityRules';
import type { PgForeignKey } from './readForeignKeys';

/** What sampling found in a column: how many non-null values look like an e-mail or a phone number. */
export interface ValueEvidence {
  readonly kind: 'email' | 'phone';
  readonly matches: number;
  readonly samples: number;
}

export interface InitInput {
  readonly catalog: PgCatalog;
  /** `schema.table` of base tables; views and partitions are not proposed. */
  readonly baseTables: ReadonlySet<string>;
  readonly foreignKeys: readonly PgForeignKey[];
  /** `schema.table` → column → evidence from sampled values. */
  readonly valueEvidence: ReadonlyMap<string, ReadonlyMap<string, ValueEvidence>>;
  /** `DATABASE.SCHEMA.TABLE` of the Snowflake tables, when a Snowflake catalog was read. */
  readonly snowflakeTables?: readonly string[];
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

interface Draft {
  table: string;
  pg: PgTable;
  primaryKey: Inferred<readonly string[]>;
  identities: Map<string, Inferred<string>>;
  follow: Map<string, Inferred<string>>;
  exclude: Inferred<string>[];
  mirror: Inferred<string> | undefined;
  notes: string[];
}

/**
 * Proposes a data map from the catalog: one entry per base table with a primary key; `follow`
 * edges from foreign keys (one per column pair of a composite key); identities from column names
 * and sampled values; mirrors matched by name in the Snowflake catalog. Tables no subject could
 * reach are left out with the reason, so the result passes `checkDataMapStructure`.
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
    if (!pg.primaryKey) {
      leftOut.push({ table: id, reason: 'no primary key, so it cannot be searched' });
      continue;
    }
    if (!pg.primaryKey.every((c) => PLAIN.test(c))) {
      leftOut.push({ table: id, reason: 'a primary-key column name is not a plain identifier' });
      continue;
    }
    drafts.set(id, {
      table: id,
      pg,
      primaryKey: { value: pg.primaryKey, reason: 'primary key constraint' },
      identities: new Map(),
      follow: new Map(),
      exclude: [],
      mirror: undefined,
      notes: [],
    });
  }

  for (const fk of input.foreignKeys) {
    const draft = drafts.get(fk.table);
    if (!draft) continue;
    if (!drafts.has(fk.references)) {
      draft.notes.push(`foreign key ${fk.name} is not followed: ${fk.references} is not in this map`);
      continue;
    }
    fk.columns.forEach((column, i) => {
      const target = fk.referencedColumns[i] ?? '';
      if (!PLAIN.test(column) || !PLAIN.test(target)) return;
      if (draft.follow.has(column)) {
        draft.notes.push(`foreign key ${fk.name}: ${column} already follows another table`);
        return;
      }
      const composite = fk.columns.length > 1 ? ` (column ${i + 1} of ${fk.columns.length})` : '';
      draft.follow.set(column, {
        value: `${fk.references}.${target}`,
        reason: `foreign key ${fk.name}${composite}`,
      });
    });
  }

  for (const draft of drafts.values()) proposeIdentities(draft, input.valueEvidence.get(draft.table));

  // Keep the tables a subject can reach: those with an identity, then those following them.
  const reachable = new Set([...drafts.values()].filter((d) => d.identities.size > 0).map((d) => d.table));
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of drafts.values()) {
      if (reachable.has(d.table)) continue;
      if ([...d.follow.values()].some((f) => reachable.has(tableOf(f.value)))) {
        reachable.add(d.table);
        changed = true;
      }
    }
  }
  const kept = [...drafts.values()].filter((d) => {
    if (reachable.has(d.table)) return true;
    leftOut.push({
      table: d.table,
      reason: 'no identity column found and no foreign key to a reachable table, so no subject can reach it',
    });
    return false;
  });
  for (const d of kept) {
    for (const [column, edge] of d.follow) {
      if (!reachable.has(tableOf(edge.value))) {
        d.follow.delete(column);
        d.notes.push(`${column} is not followed: ${tableOf(edge.value)} is left out of this map`);
      }
    }
    proposeExcludes(d);
    d.mirror = matchMirror(d.pg, input.snowflakeTables);
  }

  const identities = new Map<string, Normalization>();
  for (const d of kept) for (const kind of d.identities.keys()) identities.set(kind, normalizationOf(kind));
  return {
    identities: new Map([...identities].sort(([a], [b]) => a.localeCompare(b))),
    postgres: kept.map(
      (d): InitTable => ({
        table: d.table,
        primaryKey: d.primaryKey,
        identities: d.identities,
        follow: d.follow,
        exclude: d.exclude,
        mirror: d.mirror,
        notes: d.notes,
      }),
    ),
    leftOut: leftOut.sort((a, b) => a.table.localeCompare(b.table)),
  };
}

function tableOf(columnRef: string): string {
  return columnRef.slice(0, columnRef.lastIndexOf('.'));
}

function proposeIdentities(draft: Draft, evidence: ReadonlyMap<string, ValueEvidence> | undefined): void {
  const propose = (kind: string, column: string, reason: string) => {
    const taken = draft.identities.get(kind);
    if (taken) {
      if (taken.value !== column) draft.notes.push(`${column} may also hold ${kind} (${reason})`);
      return;
    }
    draft.identities.set(kind, { value: column, reason });
  };
  const key = draft.pg.primaryKey;
  if (key?.length === 1 && key[0] !== undefined) {
    const byTable = identityFromKeyTable(draft.table);
    if (byTable) propose(byTable.kind, key[0], byTable.reason);
  }
  for (const column of draft.pg.columns) {
    if (!PLAIN.test(column.name) || draft.follow.has(column.name)) continue;
    const text = column.category === 'S';
    const seen = evidence?.get(column.name);
    const byName = identityFromName(column.name, text);
    if (byName && (!seen || seen.kind === byName.kind || byName.kind.endsWith('_id'))) {
      propose(byName.kind, column.name, byName.reason);
    } else if (seen && text) {
      const what = seen.kind === 'email' ? 'e-mail addresses' : 'phone numbers';
      propose(seen.kind, column.name, `${seen.matches} of ${seen.samples} sampled values look like ${what}`);
    }
  }
}

function proposeExcludes(draft: Draft): void {
  const linked = new Set([
    ...(draft.pg.primaryKey ?? []),
    ...[...draft.identities.values()].map((i) => i.value),
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
