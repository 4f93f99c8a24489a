import type { CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import type {
  DataMap,
  ErasureRule,
  MaskStrategy,
  PostgresTableSpec,
  SharedSetting,
  SnowflakeTableSpec,
} from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import type { System } from '../datamap/System';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import { describeNotFollowed } from '../discovery/NotFollowed';
import type { PgColumn } from '../postgres/readPgCatalog';
import { countOtherPersons, type SharedRow } from './decideSharedRows';
import {
  type ErasurePlan,
  type PlannedMask,
  type PlannedRow,
  type PlannedTable,
  sealPlan,
} from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { maskRefusal } from './maskValue';
import type { ErasureCatalog, PgForeignKey } from './readErasureCatalog';
import { rowHash } from './rowHash';

export interface PlanErasureDeps {
  readonly dataMap: DataMap;
  /** The live PostgreSQL catalog; required when the findings hold PostgreSQL rows. */
  readonly catalog?: ErasureCatalog;
}

/** A plan and what stands in its way; the plan may run only when `problems` is empty. */
export interface ErasurePlanning {
  readonly plan: ErasurePlan;
  readonly problems: readonly ErasureProblem[];
}

type TableSpec = PostgresTableSpec | SnowflakeTableSpec;

/**
 * Plans the erasure of exactly the rows discovery found, as the data map's rules say: rows of a
 * `delete` table are deleted, the listed columns of a `mask` table overwritten, a `retain` table and
 * a table without a rule left as they are (and reported). Each mask is checked against the live
 * catalog (type, NOT NULL, length, UNIQUE, primary and referenced keys); deletes are ordered children
 * before parents by the catalog's foreign keys (composite ones included) or, between tables the
 * catalog does not link, by the data map's follow edges. Pure: what the database holds beyond the
 * catalog (cascades, CHECKs on the actual rows) is checked by `checkPlan`.
 */
export function planErasure(
  deps: PlanErasureDeps,
  input: {
    readonly findings: FindingsDocument;
    /**
     * The found rows shared with other people, in either system (`decideSharedRows`); absent: none
     * are told apart.
     */
    readonly shared?: ReadonlyMap<Finding, SharedRow>;
    /**
     * Found rows a composite foreign key does not bind whose followed value only the subject's rows
     * hold (`unboundOwnRows`): planned as the subject's. Absent: none.
     */
    readonly unboundOwn?: ReadonlySet<Finding>;
  },
): ErasurePlanning {
  const { dataMap, catalog } = deps;
  const problems: ErasureProblem[] = [];
  const specs = new Map<string, TableSpec>([
    ...dataMap.postgres.map((s): [string, TableSpec] => [`postgres:${s.table}`, s]),
    ...dataMap.snowflake.map((s): [string, TableSpec] => [`snowflake:${s.table}`, s]),
  ]);
  const groups = new Map<string, { system: System; table: string; found: Finding[]; excluded: number }>();
  const partial = catalog
    ? partialKeyMatches(input.findings, catalog, input.findings, input.unboundOwn)
    : new Set<Finding>();
  for (const f of input.findings.findings) {
    const id = `${f.system}:${f.table}`;
    let group = groups.get(id);
    if (!group) {
      group = { system: f.system, table: f.table, found: [], excluded: 0 };
      groups.set(id, group);
    }
    if (partial.has(f)) {
      group.excluded++;
      continue;
    }
    group.found.push(f);
  }

  // A value the request named that several people's rows hold was not searched (the request
  // guard): what it would have found cannot be told apart from other people's, so nothing is planned.
  for (const n of input.findings.notFollowed ?? [])
    if (n.requested)
      problems.push({
        system: n.system,
        table: n.table,
        column: n.column,
        code: 'IDENTIFIER_SHARED',
        message: `the request's ${n.identity ?? 'identifier'} is held by ${n.rows}${n.capped ? ' or more' : ''} rows that may be different people (${describeNotFollowed(n)}): it was not searched, so an erasure by it could not tell the subject's rows from theirs. Erase by an identifier only the subject holds (a key or an address of her own)`,
      });

  const planned: PlannedTable[] = [];
  for (const [id, group] of groups) {
    const spec = specs.get(id);
    const rule = spec?.erasure;
    const base = {
      system: group.system,
      table: group.table,
      primaryKey: [...(spec?.primaryKey ?? [])],
      found: group.found.length + group.excluded,
      ...(group.excluded > 0 ? { excluded: group.excluded } : {}),
      approvalRequired: spec?.approval === 'required',
    };
    if (!rule) {
      planned.push({ ...base, action: 'none', rows: [] });
      continue;
    }
    if (rule.action === 'retain') {
      planned.push({
        ...base,
        action: 'retain',
        rows: [],
        retain: { ground: rule.ground, ...(rule.until ? { until: rule.until } : {}) },
      });
      continue;
    }
    const mask =
      rule.action === 'mask' ? Object.entries(rule.columns).map(([c, s]) => plannedMask(c, s)) : undefined;
    // A masked row keeps its key: a text key that is an identity column (an e-mail address, a phone
    // number) keeps the subject's identifier in the row. A number or uuid the table names its rows by
    // (`customer_id: id`) is the row's surrogate, kept as every masked row's key is.
    const live = group.system === 'postgres' ? catalog?.tables.get(group.table) : undefined;
    if (mask && group.found.length > 0)
      for (const column of spec?.primaryKey ?? [])
        if (
          live?.columns.find((c) => c.name === column)?.category === 'S' &&
          Object.values(spec?.identities ?? {}).some((c) => (Array.isArray(c) ? c : [c]).includes(column))
        )
          problems.push({
            system: group.system,
            table: group.table,
            column,
            code: 'MASK_REFUSED',
            message:
              'is a text key column and an identity column: a masked row keeps its key, so the subject would stay findable by it; erase the row with action: delete',
          });
    // Built with its fields in canonical order (key, restHash, rowHash), so sealing a plan of many
    // masked rows writes them natively. A keyless row's key already holds its row hash (`_row`,
    // `keylessRowKeys`: the SHA-256 of the same canonical row), which is not computed again.
    const keyless = (spec?.primaryKey.length ?? 0) === 0;
    const plannedRow = (f: Finding, masked: ReadonlySet<string> | undefined): PlannedRow => ({
      key: f.key,
      ...(masked ? { restHash: rowHash(withoutColumns(f.row, masked)) } : {}),
      rowHash: keyless && typeof f.key._row === 'string' ? f.key._row : rowHash(f.row),
    });
    const split = splitShared(group.found, rule, input.shared);
    const masked = mask ? new Set(mask.map((m) => m.column)) : undefined;
    const parties = [...split.byParty.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const partyRows = parties.reduce((n, [, p]) => n + p.found.length, 0);
    const main: PlannedTable = {
      ...base,
      found: base.found - partyRows,
      approvalRequired: base.approvalRequired || (split.setting === 'erase' && split.shared.length > 0),
      action: rule.action,
      rows: split.act.map((f) => plannedRow(f, masked)),
      ...(mask ? { mask: [...mask].sort(byColumn) } : {}),
      ...(split.shared.length > 0
        ? {
            shared: {
              setting: split.setting,
              retained: split.retained.map((f) => plannedRow(f, undefined)),
              changed: split.shared.length - split.retained.length,
              referencedBy: sumReferences(split.shared.map((f) => input.shared?.get(f) as SharedRow)),
              otherPersons: countOtherPersons(split.shared.map((f) => input.shared?.get(f) as SharedRow)),
              through: split.shared.filter((f) => input.shared?.get(f)?.through).length,
            },
          }
        : {}),
    };
    planned.push(main);
    for (const [party, p] of parties) {
      const partyMask = (mask ?? []).filter((m) => p.columns.has(m.column)).sort(byColumn);
      const partyMasked = new Set(partyMask.map((m) => m.column));
      planned.push({
        system: group.system,
        table: group.table,
        primaryKey: base.primaryKey,
        found: p.found.length,
        approvalRequired: base.approvalRequired,
        action: 'mask',
        rows: p.found.map((f) => plannedRow(f, partyMasked)),
        mask: partyMask,
        party,
      });
    }
    // A warehouse copy fed from this table keeps what is erased here unless it has a rule of its own.
    const mirror = group.system === 'postgres' && spec && 'mirror' in spec ? spec.mirror : undefined;
    if (
      mirror &&
      !dataMap.snowflake.some((t) => t.table === mirror && t.erasure && t.erasure.action !== 'retain')
    )
      problems.push({
        system: 'postgres',
        table: group.table,
        code: 'MIRROR_NOT_ERASED',
        message: `its Snowflake mirror ${mirror} would keep the erased data: list ${mirror} under snowflake with an erasure rule (delete or mask)`,
      });
    if (group.system === 'postgres' && catalog) {
      problems.push(...checkAgainstCatalog(main, catalog));
      if (main.action === 'delete' || main.action === 'mask')
        problems.push(
          ...largeObjectsLeft(
            main,
            group.found.filter((f) => !input.shared?.has(f)),
            catalog,
          ),
        );
      if (main.action !== 'retain' && main.action !== 'none' && main.rows.length > 0)
        problems.push(...keylessReferenced(main, dataMap, catalog));
    }
  }

  if (catalog) problems.push(...ambiguousFollows(dataMap, catalog, planned));
  const ordered = orderTables(planned, dataMap, catalog, problems);
  return {
    plan: sealPlan({
      version: 1,
      requestId: input.findings.requestId,
      subject: { hash: input.findings.subject.hash },
      findingsHash: input.findings.evidenceHash,
      tables: ordered,
    }),
    problems,
  };
}

/**
 * What the table's `shared:` setting makes of its shared rows: `act` are changed as the rule says
 * (the subject's own rows, and shared ones under `erase`), `retained` are left, `byParty` are masked
 * in the subject's parties' columns only (`mask-own`; a row shared through references has no party
 * of its own and is retained, as is one whose subject's parties have no masked column).
 */
export function splitShared(
  found: readonly Finding[],
  rule: Exclude<ErasureRule, { action: 'retain' }>,
  shared: ReadonlyMap<Finding, SharedRow> | undefined,
): {
  setting: SharedSetting;
  act: Finding[];
  shared: Finding[];
  retained: Finding[];
  byParty: Map<string, { columns: Set<string>; found: Finding[] }>;
} {
  const setting = ('shared' in rule ? rule.shared : undefined) ?? 'retain';
  const parties = 'parties' in rule ? rule.parties : undefined;
  const masked = rule.action === 'mask' ? new Set(Object.keys(rule.columns)) : new Set<string>();
  const act: Finding[] = [];
  const sharedRows: Finding[] = [];
  const retained: Finding[] = [];
  const byParty = new Map<string, { columns: Set<string>; found: Finding[] }>();
  for (const f of found) {
    const why = shared?.get(f);
    if (!why) {
      act.push(f);
      continue;
    }
    sharedRows.push(f);
    if (setting === 'erase') {
      act.push(f);
      continue;
    }
    const own = setting === 'mask-own' && parties && why.subjectParties ? why.subjectParties : [];
    const ownReferenced = Object.keys(why.referencedBy).length > 0 || why.through;
    const columns = new Set(own.flatMap((p) => parties?.[p] ?? []).filter((c) => masked.has(c)));
    if (own.length === 0 || ownReferenced || columns.size === 0) {
      retained.push(f);
      continue;
    }
    const label = [...own].sort().join('+');
    const entry = byParty.get(label) ?? { columns, found: [] };
    entry.found.push(f);
    byParty.set(label, entry);
  }
  return { setting, act, shared: sharedRows, retained, byParty };
}

function sumReferences(rows: readonly SharedRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [t, n] of Object.entries(r.referencedBy)) out[t] = (out[t] ?? 0) + n;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function withoutColumns(row: CanonicalRow, columns: ReadonlySet<string>): CanonicalRow {
  const rest: CanonicalRow = {};
  for (const [k, v] of Object.entries(row)) if (!columns.has(k)) rest[k] = v as CanonicalValue;
  return rest;
}

function plannedMask(column: string, strategy: MaskStrategy): PlannedMask {
  return typeof strategy === 'string'
    ? { column, strategy }
    : { column, strategy: 'redact', text: strategy.redact };
}

function byColumn(a: { column: string }, b: { column: string }): number {
  return a.column < b.column ? -1 : a.column > b.column ? 1 : 0;
}

/**
 * A keyless table whose rows other rows lead to: a foreign key onto it (from any schema), or a follow
 * edge of its own onto a column of another mapped table that is not that table's single key
 * (`address.id` following `users.address_id`). Its planned rows are named by their content, so
 * neither the references a delete would cascade through or break nor the other people's rows that
 * share one of them can be counted row by row: the plan is refused, asking for the key its referenced
 * columns are unique by. (Before, such a table's references went unchecked: a cascade from it
 * changed another person's row, and a household address without a key was deleted under one of its
 * two residents.)
 */
function keylessReferenced(table: PlannedTable, dataMap: DataMap, catalog: ErasureCatalog): ErasureProblem[] {
  if (table.primaryKey.length > 0) return [];
  const at = { system: table.system, table: table.table, code: 'KEY_REFUSED' as const };
  const fk = catalog.foreignKeys.find((k) => k.refTable === table.table);
  if (fk)
    return [
      {
        ...at,
        column: fk.refColumns.join(', '),
        message: `is referenced by ${fk.table} (foreign key ${fk.name}) and has no primaryKey in the data map, so the references to the planned rows cannot be checked row by row; give it the key its referenced columns are unique by (primaryKey: [${fk.refColumns.join(', ')}])`,
      },
    ];
  const spec = dataMap.postgres.find((t) => t.table === table.table);
  const mapped = new Map(dataMap.postgres.map((t) => [t.table, t]));
  for (const [column, targets] of Object.entries(spec?.follow ?? {}))
    for (const target of targets) {
      const ref = parseColumnRef(target);
      const other = mapped.get(ref.table);
      if (ref.system !== 'postgres' || !other) continue;
      if (other.primaryKey.length === 1 && other.primaryKey[0] === ref.column) continue;
      return [
        {
          ...at,
          column,
          message: `has no primaryKey in the data map and is reached from ${ref.table}.${ref.column}, which other people's rows may hold too, so whether the planned rows are shared cannot be told row by row; give it a primaryKey (the column ${column} if it is unique)`,
        },
      ];
    }
  return [];
}

/**
 * The `oid` columns (large objects, the `lo` type included) that the subject's changed rows hold a
 * value in: deleting or masking the row leaves the object in `pg_largeobject`, where neither
 * discovery nor the proof looks, so "erased" would be said with a scanned passport left behind.
 */
function largeObjectsLeft(
  table: PlannedTable,
  changed: readonly Finding[],
  catalog: ErasureCatalog,
): ErasureProblem[] {
  const live = catalog.tables.get(table.table);
  return (live?.columns ?? [])
    .filter((c) => c.typeOid === OID_TYPE)
    .flatMap((c) => {
      // A column the map does not return (excluded) is counted as holding one.
      const rows = changed.filter((f) => f.row[c.name] !== null).length;
      return rows === 0
        ? []
        : [
            {
              system: 'postgres' as const,
              table: table.table,
              column: c.name,
              code: 'LARGE_OBJECT_LEFT' as const,
              message: `${c.name} refers to large objects (${c.typeName}) in ${rows} of the subject's rows to change: the erasure would leave the objects in pg_largeobject, where neither discovery nor the proof reads them; remove them first (lo_unlink of each, then ${c.name} = NULL), and erase again`,
            },
          ];
    });
}

/** `pg_type.oid` of `oid`, a large object's reference (the `lo` extension's type is a domain over it). */
const OID_TYPE = 26;

function checkAgainstCatalog(table: PlannedTable, catalog: ErasureCatalog): ErasureProblem[] {
  const problems: ErasureProblem[] = [];
  const live = catalog.tables.get(table.table);
  const at = { system: table.system, table: table.table };
  if (!live)
    return [{ ...at, code: 'TABLE_MISSING', message: 'the table does not exist in the live catalog' }];
  if (
    (table.action === 'delete' || table.action === 'mask') &&
    (live.kind === 'view' || live.kind === 'materialized view')
  )
    return [
      {
        ...at,
        code: 'TABLE_MISSING',
        message: `is a ${live.kind}, not a table: an erasure changes the rows of the tables it reads; give them the rule (map them if the map does not), and keep the ${live.kind} for access only (no erasure rule)`,
      },
    ];
  if (table.action === 'delete' || table.action === 'mask')
    for (const name of table.primaryKey) {
      const column = live.columns.find((c) => c.name === name);
      if (column && !scalarKeyColumn(column))
        problems.push({
          ...at,
          column: name,
          code: 'KEY_REFUSED',
          message: `is a key column of type ${column.typeName}: a statement cannot name rows by a value of that type; map the table without a primaryKey (its rows are then erased by their content, table and address)`,
        });
    }
  for (const mask of table.mask ?? []) {
    const refuse = (message: string) =>
      problems.push({ ...at, column: mask.column, code: 'MASK_REFUSED', message });
    const column = live.columns.find((c) => c.name === mask.column);
    if (!column) {
      refuse('the column does not exist in the live catalog');
      continue;
    }
    if (live.primaryKey?.includes(mask.column)) {
      refuse('is a primary-key column: it cannot be masked; erase the row with action: delete');
      continue;
    }
    const referencing = catalog.foreignKeys.find(
      (fk) => fk.refTable === table.table && fk.refColumns.includes(mask.column),
    );
    if (referencing) {
      refuse(
        `is referenced by ${referencing.table} (foreign key ${referencing.name}): it cannot be masked; erase the row with action: delete`,
      );
      continue;
    }
    // A stored generated column is computed again when a column it reads changes: one a foreign key
    // refers to changes with the masked column, and `ON UPDATE CASCADE` would carry the change into
    // the referencing rows (other people's).
    const computed = live.columns.filter((c) => c.computedFrom?.includes(mask.column)).map((c) => c.name);
    const throughGenerated = catalog.foreignKeys.find(
      (fk) => fk.refTable === table.table && fk.refColumns.some((c) => computed.includes(c)),
    );
    if (throughGenerated) {
      refuse(
        `the generated column ${throughGenerated.refColumns.filter((c) => computed.includes(c)).join(', ')}, computed from it, is referenced by ${throughGenerated.table} (foreign key ${throughGenerated.name}): a mask would change it and the rows that refer to it; erase the row with action: delete`,
      );
      continue;
    }
    const why = maskRefusal(mask, column);
    if (why) {
      refuse(why);
      continue;
    }
    const unique = live.uniqueKeys.find((k) => k.includes(mask.column));
    if (unique && mask.strategy === 'random' && column.castType === 'smallint') {
      refuse(
        `is a UNIQUE smallint: a random value among 32767 collides with another row too easily; use delete or another column`,
      );
      continue;
    }
    if (unique && mask.strategy === 'redact')
      refuse(
        `is UNIQUE (with ${unique.join(', ')}): a fixed redaction would give every masked row the same value; use hash or random`,
      );
  }
  return problems;
}

/**
 * Masks first (a masked child no longer stands in a parent's way only if the mask is what frees
 * it — the FK check in `checkPlan` decides), then deletes, children before parents, then the tables
 * left as they are. Ties are broken by system and table name, so the order is deterministic.
 */
function orderTables(
  tables: readonly PlannedTable[],
  dataMap: DataMap,
  catalog: ErasureCatalog | undefined,
  problems: ErasureProblem[],
): PlannedTable[] {
  const byName = (a: PlannedTable, b: PlannedTable) =>
    a.system < b.system ? -1 : a.system > b.system ? 1 : a.table < b.table ? -1 : a.table > b.table ? 1 : 0;
  const masks = tables.filter((t) => t.action === 'mask').sort(byName);
  const deletes = tables.filter((t) => t.action === 'delete').sort(byName);
  const rest = tables.filter((t) => t.action === 'retain' || t.action === 'none').sort(byName);

  // parent -> its children among the tables to delete from (same system only).
  const children = new Map<string, Set<string>>();
  const id = (t: { system: System; table: string }) => `${t.system}:${t.table}`;
  const planned = new Set(deletes.map(id));
  const link = (child: string, parent: string) => {
    if (child === parent || !planned.has(child) || !planned.has(parent)) return;
    let set = children.get(parent);
    if (!set) {
      set = new Set();
      children.set(parent, set);
    }
    set.add(child);
  };
  const linkedByCatalog = new Set<string>();
  for (const fk of catalog?.foreignKeys ?? []) {
    link(`postgres:${fk.table}`, `postgres:${fk.refTable}`);
    linkedByCatalog.add([fk.table, fk.refTable].sort().join('|'));
  }
  for (const [system, specs] of [
    ['postgres', dataMap.postgres],
    ['snowflake', dataMap.snowflake],
  ] as const) {
    for (const spec of specs as readonly TableSpec[]) {
      for (const [column, refs] of Object.entries(spec.follow)) {
        for (const ref of refs) {
          const target = parseColumnRef(ref);
          if (target.system !== system) continue;
          if (system === 'postgres' && linkedByCatalog.has([spec.table, target.table].sort().join('|')))
            continue;
          const targetSpec = (system === 'postgres' ? dataMap.postgres : dataMap.snowflake).find(
            (s) => s.table === target.table,
          ) as TableSpec | undefined;
          const isKey = (s: TableSpec | undefined, c: string) =>
            s?.primaryKey.length === 1 && s.primaryKey[0] === c;
          // `orders.user_id` follows `users.id` (users' key): orders is the child. `address.id` follows
          // `users.address_id`: address is the parent. Otherwise the edge says nothing about order.
          if (isKey(targetSpec, target.column)) link(`${system}:${spec.table}`, `${system}:${target.table}`);
          else if (isKey(spec, column)) link(`${system}:${target.table}`, `${system}:${spec.table}`);
        }
      }
    }
  }
  // Kahn's algorithm: a table is ready when none of its children is still waiting.
  const ordered: PlannedTable[] = [];
  const waiting = [...deletes];
  while (waiting.length > 0) {
    const done = new Set(ordered.map(id));
    const index = waiting.findIndex((t) => [...(children.get(id(t)) ?? [])].every((c) => done.has(c)));
    if (index < 0) {
      for (const t of waiting)
        problems.push({
          system: t.system,
          table: t.table,
          code: 'DELETE_ORDER_CYCLE',
          message: `its rows and those of ${[...(children.get(id(t)) ?? [])].filter((c) => !done.has(c)).join(', ')} reference each other: no delete order is accepted`,
        });
      ordered.push(...waiting);
      break;
    }
    ordered.push(...waiting.splice(index, 1));
  }
  return [...masks, ...ordered, ...rest];
}

/**
 * Findings reached only by following part of a composite foreign key: the data map follows
 * `order_line.order_id` to `orders.id`, the catalog says the key is `(tenant, order_id)`, so an
 * `order_line` of another tenant's order 100 matches too. Such a row is not the subject's; it is left
 * out of the erasure and counted as excluded. Only checked where the found parents' referenced
 * columns were returned. Rows in `own` are kept whatever their pair (see `unboundOwnRows`: a pair
 * the key does not bind, whose value only the subject's rows hold).
 */
export function partialKeyMatches(
  findings: FindingsDocument,
  catalog: ErasureCatalog,
  parentsFrom: FindingsDocument = findings,
  own: ReadonlySet<Finding> = new Set(),
): Set<Finding> {
  const excluded = new Set<Finding>();
  if (!catalog.foreignKeys.some((fk) => fk.columns.length > 1)) return excluded;
  const parents = new Map<string, Finding[]>();
  for (const f of parentsFrom.findings) {
    if (f.system !== 'postgres') continue;
    const list = parents.get(f.table) ?? [];
    list.push(f);
    parents.set(f.table, list);
  }
  for (const f of findings.findings) {
    if (f.system !== 'postgres' || own.has(f) || f.provenance.some((p) => p.via === 'identity')) continue;
    const escapes = f.provenance.every((p) => {
      const fk = p.via === 'follow' ? compositeKeyOf(f, p.from, p.column, catalog) : undefined;
      if (!fk) return false;
      const found = parents.get(fk.refTable) ?? [];
      if (found.some((r) => fk.refColumns.some((c) => !(c in r.row)))) return false;
      const tuple = JSON.stringify(fk.columns.map((c) => f.row[c] ?? null));
      return !found.some((r) => JSON.stringify(fk.refColumns.map((c) => r.row[c] ?? null)) === tuple);
    });
    if (escapes) excluded.add(f);
  }
  return excluded;
}

/** The composite foreign keys of `f`'s table that its follow provenances ran along, with the column followed. */
export function compositeEscapes(
  f: Finding,
  catalog: ErasureCatalog,
): { readonly fk: PgForeignKey; readonly column: string }[] {
  return f.provenance.flatMap((p) => {
    const fk = p.via === 'follow' ? compositeKeyOf(f, p.from, p.column, catalog) : undefined;
    return fk && p.via === 'follow' ? [{ fk, column: p.column }] : [];
  });
}

/** The composite foreign key of `f`'s table holding `column` and referring to the table `from` names. */
function compositeKeyOf(
  f: Finding,
  from: string,
  column: string,
  catalog: ErasureCatalog,
): PgForeignKey | undefined {
  return catalog.foreignKeys.find(
    (k) =>
      k.columns.length > 1 &&
      k.table === f.table &&
      from.startsWith(`postgres:${k.refTable}.`) &&
      k.columns.includes(column),
  );
}

/** Whether a key column holds scalars a statement can name rows by: not an array, a structure or JSON. */
function scalarKeyColumn(column: PgColumn): boolean {
  return (
    column.category !== 'A' &&
    column.category !== 'C' &&
    column.typeOid !== JSON_OID &&
    column.typeOid !== JSONB_OID
  );
}

const JSON_OID = 114;
const JSONB_OID = 3802;

/**
 * Follow edges that can reach rows of other people, on PostgreSQL tables the plan deletes or masks
 * rows of: `column` follows `target`, and neither is unique in its table, nor does a foreign key of
 * the table name the pair (as part of a composite key, which `partialKeyMatches` then holds to its
 * whole tuple). A value of `target` may then belong to several rows of its table (another tenant's
 * customer 5), and the rows of this table holding it are theirs as much as the subject's.
 */
function ambiguousFollows(
  dataMap: DataMap,
  catalog: ErasureCatalog,
  planned: readonly PlannedTable[],
): ErasureProblem[] {
  // PostgreSQL: a primary key or a plain unique index of the column alone. Snowflake enforces no
  // key: the data map's single-column primary key is taken as the table's (as discovery takes it).
  const unique = (system: System, table: string, column: string) => {
    const one = (key: readonly string[] | undefined) => key?.length === 1 && key[0] === column;
    if (system === 'snowflake') return one(dataMap.snowflake.find((s) => s.table === table)?.primaryKey);
    const live = catalog.tables.get(table);
    return live !== undefined && (one(live.primaryKey) || live.uniqueKeys.some(one));
  };
  const problems: ErasureProblem[] = [];
  const seen = new Set<string>();
  // Every table with found rows, whatever its rule: a retained table's rows reached through such an
  // edge are counted as the subject's in the receipt, and the rows they lead to (a `tenants` row
  // each other person's event names) would be planned as hers, to be deleted where the rule says so.
  for (const table of planned) {
    const id = `${table.system}\u0000${table.table}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const spec = dataMap[table.system].find((s) => s.table === table.table);
    for (const [column, targets] of Object.entries(spec?.follow ?? {})) {
      if (unique(table.system, table.table, column)) continue;
      for (const target of targets) {
        const ref = parseColumnRef(target);
        if (unique(ref.system, ref.table, ref.column)) continue;
        // Only PostgreSQL declares foreign keys, and only within one database.
        const declared =
          table.system === 'postgres' &&
          ref.system === 'postgres' &&
          catalog.foreignKeys.some(
            (fk) =>
              fk.table === table.table &&
              fk.refTable === ref.table &&
              fk.columns.some((c, i) => c === column && fk.refColumns[i] === ref.column),
          );
        if (declared) continue;
        problems.push({
          system: table.system,
          table: table.table,
          column,
          code: 'FOLLOW_AMBIGUOUS',
          message:
            table.system === 'postgres' && ref.system === 'postgres'
              ? `follows ${ref.table}.${ref.column}, which is not unique there (part of a composite key, or no key), and no foreign key of ${table.table} names the pair: a value of it can belong to other people's rows of ${ref.table}, and the rows here holding it would be changed with the subject's; declare the foreign key (the whole key) in the database, which keeps those rows out, or follow a unique column`
              : `follows ${ref.table}.${ref.column}, which is not a key there (${ref.system === 'snowflake' ? "not the data map's single-column primary key" : 'not unique'}), and ${table.table}.${column} is not one either: a value of it can belong to other people's rows, and the rows here holding it would be changed with the subject's (no foreign key can tell them apart across systems or in Snowflake); follow a key column instead`,
        });
      }
    }
  }
  return problems;
}
