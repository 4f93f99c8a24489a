import type { DataMap } from '../datamap/dataMapSchema';
import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import type { PgTable } from '../postgres/readPgCatalog';
import { selectColumnSql } from '../postgres/selectColumnSql';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { checkReaderRowSecurity } from './checkReaderRowSecurity';
import { acknowledgedTriggers, checkSideEffects } from './checkSideEffects';
import { checkSnowflakePlan } from './checkSnowflakePlan';
import type { ErasurePlan, PlannedTable } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { maskValue, type RandomBytes } from './maskValue';
import { pgKeyFilter, typedArray } from './pgKeyFilter';
import { readCanonicalRows } from './readCanonicalRows';
import type { ErasureCatalog, PgForeignKey } from './readErasureCatalog';
import { rowHash } from './rowHash';
import { sqlStateOf } from './sqlStateOf';

export interface CheckPlanDeps {
  readonly db: PgDatabase;
  readonly dataMap: DataMap;
  readonly catalog: ErasureCatalog;
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
  /** A Snowflake session that reads the catalog: the plan's Snowflake part is checked against it. */
  readonly snowflakeDb?: SnowflakeDatabase;
}

/**
 * Read-only checks of a plan against the live database, before anything runs and again under the
 * change's locks:
 * - every foreign key that references a table to delete from, from any schema (mapped or not), is
 *   followed to the rows it would touch: referencing rows the plan does not remove (rows discovery
 *   did not find) stop the plan, naming the referencing table and the count: a CASCADE or SET NULL
 *   would change them blind, a RESTRICT or NO ACTION would refuse the delete; a referencing table
 *   the checking role cannot read stops it too;
 * - a trigger, rule or row-security policy that fires on a planned statement stops the plan unless
 *   the data map acknowledges it, and every table an acknowledged one writes must exist (the proof
 *   searches it);
 * - every mapped table, and every table referring to one the plan changes, must be read without
 *   row security (`checkReaderRowSecurity`): rows a policy hides from the reading role would be
 *   missed by the plan, its reference counts and the proof alike;
 * - each CHECK constraint over a masked column is evaluated on the planned rows with their masked
 *   values (a random value with a sample of the same type and length);
 * - with `snowflakeDb`, the Snowflake part against Snowflake's catalog (`checkSnowflakePlan`).
 * Returns the problems; none means the plan can run.
 */
export async function checkPlan(deps: CheckPlanDeps, plan: ErasurePlan): Promise<ErasureProblem[]> {
  const problems: ErasureProblem[] = [
    ...checkSideEffects(deps.dataMap, plan, deps.catalog.sideEffects),
    ...(await checkReaderRowSecurity(deps.db, deps.dataMap, deps.catalog, plan)),
  ];
  const pgTables = plan.tables.filter((t) => t.system === 'postgres');
  for (const table of pgTables) {
    if (table.rows.length === 0) continue;
    for (const written of acknowledgedTriggers(deps.dataMap, table.table)?.writes ?? []) {
      const exists = await deps.db.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [
        written,
      ]);
      if (!exists.rows[0]?.oid)
        problems.push({
          system: 'postgres',
          table: table.table,
          code: 'TABLE_MISSING',
          message: `${written}, which its acknowledged triggers write to, does not exist or cannot be seen: the proof could not search it`,
        });
    }
  }
  // Every entry of a table: one per party when the rule masks each party's columns on its own.
  const byName = new Map<string, PlannedTable[]>();
  for (const t of pgTables) byName.set(t.table, [...(byName.get(t.table) ?? []), t]);
  for (const parent of pgTables.filter(
    (t) => t.action === 'delete' && t.primaryKey.length > 0 && t.rows.length > 0,
  )) {
    for (const fk of deps.catalog.foreignKeys.filter((f) => f.refTable === parent.table)) {
      const n = await undiscoveredReferences(deps, parent, fk, byName.get(fk.table) ?? []).catch(
        (error: unknown) => {
          if (sqlStateOf(error) === '42501') return 'unreadable' as const;
          throw error;
        },
      );
      if (n === 'unreadable') {
        problems.push({
          system: 'postgres',
          table: fk.table,
          code: 'REFERENCE_UNREADABLE',
          message: `references planned rows of ${parent.table} (foreign key ${fk.name}) and cannot be read by the checking role: grant it SELECT (${fk.columns.join(', ')}) so the rows a delete would touch can be counted`,
        });
        continue;
      }
      if (n === 0) continue;
      // A table the map retains keeps its found rows: those are not rows discovery missed.
      const entries = byName.get(fk.table) ?? [];
      const retained = entries.some((c) => c.action === 'retain');
      // Rows the plan keeps because they are shared with other people (a message to someone else).
      const shared = entries.some((c) => (c.shared?.retained.length ?? 0) > 0);
      const which = retained
        ? 'that the plan leaves in place (its rule retains them, or discovery did not find them)'
        : shared
          ? 'that the plan leaves in place (shared with other people, or not found by discovery)'
          : 'that discovery did not find';
      const fix = retained
        ? `retain the referenced rows of ${parent.table} too, or change the rule of ${fk.table}`
        : shared
          ? `mask the subject's party in the shared rows of ${fk.table} (erasure: { action: mask, shared: mask-own, parties: … }, un-linking ${fk.columns.join(', ')}), or retain the referenced rows of ${parent.table}`
          : 'add the table to the data map or change its rule';
      const [code, what] =
        fk.onDelete === 'cascade'
          ? ([
              'CASCADE_TO_UNDISCOVERED',
              `deleting the planned rows of ${parent.table} would cascade to ${n} row(s) of it ${which}`,
            ] as const)
          : fk.onDelete === 'set null' || fk.onDelete === 'set default'
            ? ([
                'CASCADE_TO_UNDISCOVERED',
                `deleting the planned rows of ${parent.table} would ${fk.onDelete} ${n} row(s) of it ${which}`,
              ] as const)
            : ([
                'REFERENCED_BY_UNDISCOVERED',
                `${n} row(s) of it ${which} reference planned rows of ${parent.table} (ON DELETE ${fk.onDelete.toUpperCase()}): the delete would be refused`,
              ] as const);
      problems.push({
        system: 'postgres',
        table: fk.table,
        code,
        message: `${what} (foreign key ${fk.name} on ${fk.columns.join(', ')}); ${fix}`,
      });
    }
  }
  for (const table of pgTables.filter((t) => t.action === 'mask' && t.rows.length > 0))
    problems.push(...(await checkMaskConstraints(deps, table)));
  if (deps.snowflakeDb)
    problems.push(...(await checkSnowflakePlan(deps.snowflakeDb, plan.tables, deps.dataMap)));
  return problems;
}

/** Rows of `fk.table` referencing planned rows of `parent` that the plan neither deletes nor un-links. */
async function undiscoveredReferences(
  deps: CheckPlanDeps,
  parent: PlannedTable,
  fk: PgForeignKey,
  children: readonly PlannedTable[],
): Promise<number> {
  const parentLive = deps.catalog.tables.get(parent.table) as PgTable;
  const childLive = deps.catalog.tables.get(fk.table);
  if (!childLive) return 0;
  const filter = pgKeyFilter(
    parentLive,
    parent.primaryKey,
    parent.rows.map((r) => r.key),
    1,
    'p',
  );
  const join = fk.columns
    .map((c, i) => `c.${quoteIdent(c)} = p.${quoteIdent(fk.refColumns[i] as string)}`)
    .join(' AND ');
  const from = `FROM ${quoteIdent(childLive.schema)}.${quoteIdent(childLive.name)} c JOIN ${quoteIdent(parentLive.schema)}.${quoteIdent(parentLive.name)} p ON ${join} WHERE ${filter.sql}`;
  // The entries of the referencing table that delete their rows, or null the reference in them:
  // their rows, all entries together, no longer reference the parent.
  const goneEntries = children.filter(
    (child) =>
      child.action === 'delete' ||
      (child.action === 'mask' &&
        (child.mask ?? []).some((m) => m.strategy === 'null' && fk.columns.includes(m.column))),
  );
  const first = goneEntries[0];
  const gone = first ? { primaryKey: first.primaryKey, rows: goneEntries.flatMap((c) => c.rows) } : undefined;
  if (!gone) {
    const result = await deps.db.query<{ n: string }>(`SELECT count(*)::text AS n ${from}`, filter.params);
    return Number(result.rows[0]?.n ?? 0);
  }
  if (gone.primaryKey.length > 0) {
    // Which of the referencing rows are planned, by key, in the database: one count, whatever the
    // number of rows (a key that is NULL or not among the planned ones is counted).
    const planned = pgKeyFilter(
      childLive,
      gone.primaryKey,
      gone.rows.map((r) => r.key),
      filter.params.length + 1,
      'c',
    );
    const result = await deps.db.query<{ n: string }>(
      `SELECT count(*)::text AS n ${from} AND NOT COALESCE(${planned.sql}, false)`,
      [...filter.params, ...planned.params],
    );
    return Number(result.rows[0]?.n ?? 0);
  }
  // A keyless table's referencing rows are planned by row hash and copies.
  const spec = deps.dataMap.postgres.find((s) => s.table === fk.table);
  const select = childLive.columns.filter(
    (c) => !(spec?.exclude ?? []).includes(c.name) && (!spec?.columns || spec.columns.includes(c.name)),
  );
  const result = await deps.db.queryRaw(
    `SELECT ${select.map((c) => `c.${selectColumnSql(c)}`).join(', ')} ${from}`,
    filter.params,
  );
  const rows = await readCanonicalRows(deps.db.types, result);
  const plannedCopies = new Map<string, number>();
  for (const r of gone.rows) plannedCopies.set(r.rowHash, (plannedCopies.get(r.rowHash) ?? 0) + 1);
  const referencing = new Map<string, number>();
  for (const { row } of rows) {
    const h = rowHash(row);
    referencing.set(h, (referencing.get(h) ?? 0) + 1);
  }
  let n = 0;
  for (const [h, count] of referencing) n += Math.max(0, count - (plannedCopies.get(h) ?? 0));
  return n;
}

/** Evaluates each CHECK over a masked column on the planned rows, with their masked values. */
async function checkMaskConstraints(deps: CheckPlanDeps, table: PlannedTable): Promise<ErasureProblem[]> {
  const live = deps.catalog.tables.get(table.table) as PgTable;
  const masks = table.mask ?? [];
  const checks = deps.catalog.checks.filter(
    (c) => c.table === table.table && c.columns.some((col) => masks.some((m) => m.column === col)),
  );
  if (checks.length === 0) return [];
  const keys = table.rows.map((r) => r.key);
  const filter = pgKeyFilter(live, table.primaryKey, keys, 1);
  const keySelect = table.primaryKey.map((c) => quoteIdent(c));
  const originals = await deps.db.queryRaw(
    `SELECT ${[...keySelect, ...masks.map((m) => quoteIdent(m.column))].join(', ')} FROM ${quoteIdent(live.schema)}.${quoteIdent(live.name)} WHERE ${filter.sql}`,
    filter.params,
  );
  const rows = await readCanonicalRows(deps.db.types, originals);
  const rowKeys = rows.map(({ row }) => Object.fromEntries(table.primaryKey.map((c) => [c, row[c] ?? null])));
  const values = masks.map((m) => {
    const column = live.columns.find((c) => c.name === m.column);
    return rows.map(({ row }) => (column ? maskValue(m, column, row[m.column] ?? null, deps) : null));
  });
  const masked = pgKeyFilter(live, table.primaryKey, rowKeys, 1);
  const n = table.primaryKey.length;
  const unnest = [
    ...table.primaryKey.map((c, i) =>
      typedArray(live.columns.find((x) => x.name === c)?.castType ?? 'text', i + 1),
    ),
    ...masks.map((_, i) => `$${n + i + 1}::text[]`),
  ];
  const aliases = [...table.primaryKey.map((_, i) => `k${i}`), ...masks.map((_, i) => `v${i}`)];
  const projected = live.columns
    .map((c) => {
      const i = masks.findIndex((m) => m.column === c.name);
      return i < 0 ? `t.${quoteIdent(c.name)}` : `m.v${i}::${c.castType} AS ${quoteIdent(c.name)}`;
    })
    .join(', ');
  const on = table.primaryKey.map((c, i) => `t.${quoteIdent(c)} = m.k${i}`).join(' AND ');
  const problems: ErasureProblem[] = [];
  for (const check of checks) {
    const sql = `SELECT count(*)::text AS n FROM (SELECT ${projected} FROM ${quoteIdent(live.schema)}.${quoteIdent(live.name)} t JOIN unnest(${unnest.join(', ')}) AS m(${aliases.join(', ')}) ON ${on}) AS x WHERE NOT (${check.expression})`;
    const result = await deps.db.query<{ n: string }>(sql, [...masked.params, ...values]);
    const failing = Number(result.rows[0]?.n ?? 0);
    if (failing > 0)
      problems.push({
        system: 'postgres',
        table: table.table,
        column: check.columns.filter((c) => masks.some((m) => m.column === c)).join(', '),
        code: 'CHECK_VIOLATED',
        message: `the masked value of ${failing} row(s) breaks CHECK ${check.name}; choose another strategy`,
      });
  }
  return problems;
}
