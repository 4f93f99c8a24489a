import type pg from 'pg';
import type { CanonicalObject } from '../canonical/CanonicalValue';
import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import { InvalidInputError } from '../errors/errors';
import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import type { PgTable } from '../postgres/readPgCatalog';
import { selectColumnSql } from '../postgres/selectColumnSql';
import { checkChangedRows } from './checkChangedRows';
import { checkPlan } from './checkPlan';
import { checkSideEffects } from './checkSideEffects';
import { compareWithPlan } from './compareWithPlan';
import type { ErasurePlan, PlannedTable } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import type { ErasureExecution, ErasureStep, StaleRows } from './ErasureStep';
import { findHiddenRows } from './findHiddenRows';
import { keyText } from './keyText';
import { maskValue, pgMaskShape, type RandomBytes } from './maskValue';
import { pgKeyFilter, typedArray } from './pgKeyFilter';
import { mappedSchemas } from './planSubjectErasure';
import { readCanonicalRows } from './readCanonicalRows';
import { type ErasureCatalog, readErasureCatalog, readSideEffects } from './readErasureCatalog';
import { rowHash } from './rowHash';
import { statementProblem } from './statementProblem';

export interface PostgresErasureDeps {
  /** A connection with the erasure role: DELETE/UPDATE on the mapped tables (see README, Erasure). */
  readonly db: PgDatabase;
  readonly dataMap: DataMap;
  readonly catalog: ErasureCatalog;
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
  /**
   * The read connection the plan's checks are repeated through once the rows are locked (it can
   * read tables outside the map that the erasure role cannot). @default db
   */
  readonly checkDb?: PgDatabase;
  /** `SET LOCAL lock_timeout` of the transaction. @default 5000 */
  readonly lockTimeoutMs?: number;
  /** `SET LOCAL statement_timeout` of the transaction. @default 60000 */
  readonly statementTimeoutMs?: number;
}

const ADDRESS = 'dsr$address';

/**
 * A keyless row's address: the physical table it is in and its `ctid` there (`16385:(0,1)`). A
 * `ctid` alone names a row of one physical table only: reading a partitioned table, or a table with
 * child tables by inheritance, reads several, and the first row of each has the same `ctid`.
 */
const ROW_ADDRESS = `(tableoid::oid::text || ':' || ctid::text)`;

/** The `ctid` of a {@link ROW_ADDRESS}. */
function ctidOf(address: string): string {
  return address.slice(address.indexOf(':') + 1);
}

/**
 * Executes the PostgreSQL part of a plan in ONE transaction, with a lock and a statement timeout.
 * It first re-reads and locks every planned row (`SELECT … FOR UPDATE`, which also makes any new
 * foreign-key reference to them wait for this transaction) and compares it with what discovery read
 * (same key, same row hash). A row that changed since is never erased on stale information: the
 * transaction is rolled back and the outcome is `stale`, naming the tables, so the caller discovers
 * and plans again. A planned row already gone (deleted) or already masked (its unmasked columns
 * unchanged, its masked ones different) counts as done: a redelivery after a crash changes nothing
 * twice. With the rows locked, every check of the plan is repeated (`checkPlan` with a catalog read
 * again: references from any schema, triggers, rules, policies, CHECKs); a failure rolls back with
 * the outcome `refused`. Then masks run, then deletes in the plan's order (children before parents);
 * the triggers, rules and policies are read once more inside the transaction (the writes now hold
 * the tables' locks, so none can be added before the commit), and the transaction commits. A
 * statement the database refuses (a constraint, a domain, a timeout, a deadlock) rolls everything
 * back and is returned as `refused` with the problem named.
 *
 * `findings` are the findings the plan was made from: a keyless table's rows are located through the
 * column that found them.
 */
export async function executePostgresErasure(
  deps: PostgresErasureDeps,
  plan: ErasurePlan,
  input: { readonly findings: FindingsDocument },
): Promise<ErasureExecution> {
  return runPostgresErasure(deps, plan, input.findings, false);
}

/**
 * The rehearsal of the PostgreSQL part of a plan: the same transaction as
 * {@link executePostgresErasure} — locks, repeated checks, every planned statement, deferred
 * constraints forced with `SET CONSTRAINTS ALL IMMEDIATE` — ending in ROLLBACK, so the database
 * itself judges every constraint, domain and unique index and nothing changes. Returns the problems
 * (none: the change would run as planned) or the stale tables.
 */
export async function rehearsePostgresErasure(
  deps: PostgresErasureDeps,
  plan: ErasurePlan,
  input: { readonly findings: FindingsDocument },
): Promise<ErasureExecution> {
  return runPostgresErasure(deps, plan, input.findings, true);
}

async function runPostgresErasure(
  deps: PostgresErasureDeps,
  plan: ErasurePlan,
  findings: FindingsDocument,
  rehearse: boolean,
): Promise<ErasureExecution> {
  if (findings.evidenceHash !== plan.findingsHash)
    throw new InvalidInputError('the findings given are not those the erasure plan was made from');
  const work = plan.tables.filter(
    (t) => t.system === 'postgres' && (t.action === 'delete' || t.action === 'mask') && t.rows.length > 0,
  );
  if (work.length === 0) return { outcome: 'done', steps: [] };
  return deps.db.withClient(async (client) => {
    const at = { table: work[0]?.table ?? '', statement: 'lock' };
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.trunc(deps.lockTimeoutMs ?? 5000))}`);
      await client.query(
        `SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(deps.statementTimeoutMs ?? 60_000))}`,
      );
      const locked: Locked[] = [];
      const stale: StaleRows[] = [];
      for (const table of work) {
        const live = deps.catalog.tables.get(table.table);
        if (!live)
          throw new InvalidInputError(`${table.table} is not in the catalog the plan was checked against`);
        Object.assign(at, { table: table.table, statement: 'lock (SELECT … FOR UPDATE)' });
        const l = await lockRows(client, deps, table, live, findings);
        if (l.stale > 0) stale.push({ system: 'postgres', table: table.table, rows: l.stale });
        locked.push(l);
      }
      const shared = locked.filter((l) => l.sharedKeys > 0);
      if (shared.length > 0) {
        await client.query('ROLLBACK');
        return { outcome: 'refused' as const, problems: shared.map(sharedKeyProblem) };
      }
      if (stale.length > 0) {
        await client.query('ROLLBACK');
        return { outcome: 'stale' as const, stale };
      }
      // Under the locks no new reference to a planned row can commit: the checks see every one.
      const checkDb = deps.checkDb ?? deps.db;
      // A planned row the erasure role could not lock counts as done only if row security does not hide it.
      const hidden = await findHiddenRows(
        client,
        checkDb,
        deps.catalog,
        locked.filter((l) => l.alreadyDone > 0).map((l) => l.table),
      );
      if (hidden.length > 0) {
        await client.query('ROLLBACK');
        return { outcome: 'refused' as const, problems: hidden };
      }
      const schemas = mappedSchemas(deps.dataMap);
      // PostgreSQL's checks only: Snowflake's part was checked before this transaction began, and
      // is not read again while these rows are locked.
      const again = await checkPlan(
        {
          db: checkDb,
          dataMap: deps.dataMap,
          catalog: await readErasureCatalog(checkDb, schemas),
          maskKey: deps.maskKey,
          randomBytes: deps.randomBytes,
        },
        plan,
      );
      if (again.length > 0) {
        await client.query('ROLLBACK');
        return { outcome: 'refused' as const, problems: again };
      }
      const steps: ErasureStep[] = [];
      // Masks first: a mask that un-links a child (a foreign key set to null) must precede the parent's delete.
      for (const l of locked.filter((x) => x.table.action === 'mask')) {
        Object.assign(at, { table: l.table.table, statement: 'UPDATE' });
        steps.push(await applyMask(client, deps, l));
      }
      for (const l of locked.filter((x) => x.table.action === 'delete')) {
        Object.assign(at, { table: l.table.table, statement: 'DELETE' });
        steps.push(await applyDelete(client, l));
      }
      const sideEffects = await readSideEffects(client, schemas);
      // Each statement changed every row it locked: nothing rewrote or skipped it without an error.
      const ran = [
        ...locked.filter((x) => x.table.action === 'mask'),
        ...locked.filter((x) => x.table.action === 'delete'),
      ];
      const effects = [
        ...checkSideEffects(deps.dataMap, plan, sideEffects),
        ...checkChangedRows(
          ran.map((l, i) => ({ table: l.table, locked: l.targets.length, changed: steps[i]?.changed ?? 0 })),
          sideEffects,
        ),
      ];
      if (effects.length > 0) {
        await client.query('ROLLBACK');
        return { outcome: 'refused' as const, problems: effects };
      }
      Object.assign(at, { table: work.at(-1)?.table ?? '', statement: 'COMMIT (deferred constraints)' });
      if (rehearse) {
        await client.query('SET CONSTRAINTS ALL IMMEDIATE');
        await client.query('ROLLBACK');
      } else await client.query('COMMIT');
      return {
        outcome: 'done' as const,
        // `steps` ran in the plan's order (masks, then deletes); a table with a step per party
        // appears once per entry.
        steps,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const problem = statementProblem(error, at);
      if (problem) return { outcome: 'refused' as const, problems: [problem] };
      throw error;
    }
  });
}

interface Locked {
  readonly table: PlannedTable;
  readonly live: PgTable;
  /**
   * Rows to change: their key (keyed) or address (keyless, a {@link ROW_ADDRESS}), and the row as read under the lock (whole
   * for a mask; a deleted row's key columns only).
   */
  readonly targets: { key: CanonicalObject; address?: string; row: CanonicalObject }[];
  readonly alreadyDone: number;
  readonly stale: number;
  /** Rows locked beyond one per planned key: rows of other tables sharing a planned row's key. */
  readonly sharedKeys: number;
}

/** A keyed table whose planned keys each name more than one row under the lock. */
function sharedKeyProblem(l: Locked): ErasureProblem {
  return {
    system: 'postgres',
    table: l.table.table,
    code: 'KEY_REFUSED',
    message: `${l.sharedKeys} row(s) locked share a planned row's key [${l.table.primaryKey.join(', ')}] (in a child table by inheritance or a partition): the key does not name one row, so a statement by it would change rows the plan does not name, another person's perhaps; nothing was changed; map the table with a key that holds across its child tables and partitions, or without one`,
  };
}

async function lockRows(
  client: pg.PoolClient,
  deps: PostgresErasureDeps,
  table: PlannedTable,
  live: PgTable,
  findings: FindingsDocument,
): Promise<Locked> {
  const spec = deps.dataMap.postgres.find((s) => s.table === table.table);
  const select = live.columns.filter(
    (c) => !(spec?.exclude ?? []).includes(c.name) && (!spec?.columns || spec.columns.includes(c.name)),
  );
  const from = `FROM ${quoteIdent(live.schema)}.${quoteIdent(live.name)}`;
  const columns = select.map(selectColumnSql).join(', ');
  if (table.primaryKey.length > 0) {
    const filter = pgKeyFilter(
      live,
      table.primaryKey,
      table.rows.map((r) => r.key),
      1,
    );
    const result = await client.query<(string | null)[]>({
      text: `SELECT ${columns} ${from} WHERE ${filter.sql} FOR UPDATE`,
      values: filter.params,
      rowMode: 'array',
    });
    // Rows are hashed from the JSON written from their text; a deleted row's values are not needed
    // beyond its key, a masked row's are (its masks, and its other columns when it looks done).
    const only = table.action === 'mask' ? select.map((c) => c.name) : table.primaryKey;
    const current = new Map(
      (await readCanonicalRows(deps.db.types, result, [], only)).map(({ row }) => [
        keyText(row, table.primaryKey),
        row,
      ]),
    );
    // Each masked column's shape once, not once per row compared.
    const shapes = new Map(
      (table.mask ?? []).map((m) => {
        const column = live.columns.find((c) => c.name === m.column);
        return [m.column, column ? pgMaskShape(column) : undefined];
      }),
    );
    const { targets, alreadyDone, stale } = compareWithPlan(table, current, (name) => shapes.get(name));
    // Rows sharing a planned key (a child table by inheritance or a partition created since the
    // plan's catalog check): the key no longer names one row, and its statement would change both.
    return { table, live, targets, alreadyDone, stale, sharedKeys: result.rows.length - current.size };
  }
  // Keyless: read the rows matching the column each finding was found by, lock them, and take as
  // many copies of each planned row hash as were planned. Copies are interchangeable.
  const found = findings.findings.filter((f) => f.system === 'postgres' && f.table === table.table);
  const byColumn = new Map<string, Set<string>>();
  // An array column the rows were found by (`participants text[]`): each row is found again by its
  // elements, so it is locked and changed rather than counted as already done for ever.
  const arrays = new Set<string>();
  for (const f of found)
    for (const p of f.provenance) {
      const value = f.row[p.column];
      const elements = Array.isArray(value) ? value : [value];
      if (Array.isArray(value)) arrays.add(p.column);
      for (const element of elements) {
        if (element === null || element === undefined || typeof element === 'object') continue;
        let set = byColumn.get(p.column);
        if (!set) {
          set = new Set();
          byColumn.set(p.column, set);
        }
        set.add(String(element));
      }
    }
  const wanted = new Map<string, number>();
  for (const r of table.rows) wanted.set(r.rowHash, (wanted.get(r.rowHash) ?? 0) + 1);
  const targets: Locked['targets'] = [];
  const taken = new Set<string>();
  for (const [column, values] of [...byColumn].sort()) {
    const result = await client.query<(string | null)[]>({
      text: `SELECT ${ROW_ADDRESS} AS ${quoteIdent(ADDRESS)}, ${columns} ${from} WHERE ${arrays.has(column) ? elementMatch(column) : keylessMatch(live, column, values)} FOR UPDATE`,
      values: [[...values]],
      rowMode: 'array',
    });
    for (const { row, extra } of await readCanonicalRows(deps.db.types, result, [ADDRESS], [])) {
      const address = extra[ADDRESS] as string;
      const h = rowHash(row);
      if (taken.has(address) || (wanted.get(h) ?? 0) === 0) continue;
      wanted.set(h, (wanted.get(h) ?? 0) - 1);
      taken.add(address);
      targets.push({ key: { _row: h }, address, row });
    }
  }
  const alreadyDone = [...wanted.values()].reduce((a, b) => a + b, 0);
  return { table, live, targets, alreadyDone, stale: 0, sharedKeys: 0 };
}

const INTEGER = /^-?\d{1,18}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The condition that finds a keyless table's rows by the values (`$1`, text) of the column they were
 * found by. For integers, text and uuids whose every value casts, the column is compared in its
 * own type, so its index serves the lock (a 100,000-row subject is then not a scan of the whole
 * table); otherwise as text, which matches at least the same rows. Rows are matched by hash after.
 */
function keylessMatch(live: PgTable, column: string, values: ReadonlySet<string>): string {
  const type = live.columns.find((c) => c.name === column)?.castType;
  const typed =
    type === 'text' ||
    type === 'character varying' ||
    // Their text is not their canonical form (`203.0.113.7/32`, a fixed-length string without
    // its padding, hex): compared as text they would match nothing, and the rows be taken for done.
    type === 'inet' ||
    type === 'cidr' ||
    type === 'bytea' ||
    type?.startsWith('character(') === true ||
    (type === 'uuid' && [...values].every((v) => UUID.test(v))) ||
    ((type === 'bigint' || type === 'integer' || type === 'smallint') &&
      [...values].every(
        (v) => INTEGER.test(v) && Number.isSafeInteger(Number(v)) && inRange(type, Number(v)),
      ));
  return typed && type
    ? `${quoteIdent(column)} = ANY(${typedArray(type, 1)})`
    : `${quoteIdent(column)}::text = ANY($1::text[])`;
}

/**
 * The condition that finds a keyless table's rows by the elements of an array column they were
 * found by: any element whose text is one of `$1`. Matches at least the found rows, which are then
 * matched by hash.
 */
function elementMatch(column: string): string {
  return `EXISTS (SELECT 1 FROM unnest(${quoteIdent(column)}) AS e(v) WHERE e.v::text = ANY($1::text[]))`;
}

function inRange(type: string, n: number): boolean {
  return type === 'smallint' ? Math.abs(n) <= 32767 : type === 'integer' ? Math.abs(n) <= 2147483647 : true;
}

async function applyDelete(client: pg.PoolClient, l: Locked): Promise<ErasureStep> {
  const { table, live } = l;
  let changed = 0;
  if (l.targets.length > 0) {
    const from = `${quoteIdent(live.schema)}.${quoteIdent(live.name)}`;
    const result =
      table.primaryKey.length > 0
        ? await (async () => {
            const filter = pgKeyFilter(
              live,
              table.primaryKey,
              l.targets.map((t) => t.key),
              1,
            );
            return client.query(`DELETE FROM ${from} WHERE ${filter.sql}`, filter.params);
          })()
        : await client.query(
            // The address alone lets PostgreSQL fetch the rows by address (a TID scan of each
            // partition or child table); with the table it names exactly the rows locked.
            `DELETE FROM ${from} WHERE ctid = ANY($1::tid[]) AND ${ROW_ADDRESS} = ANY($2::text[])`,
            [l.targets.map((t) => ctidOf(t.address as string)), l.targets.map((t) => t.address)],
          );
    changed = result.rowCount ?? 0;
  }
  return {
    system: 'postgres',
    table: table.table,
    action: 'delete',
    planned: table.rows.length,
    changed,
    alreadyDone: l.alreadyDone,
  };
}

async function applyMask(client: pg.PoolClient, deps: PostgresErasureDeps, l: Locked): Promise<ErasureStep> {
  const { table, live } = l;
  const masks = table.mask ?? [];
  let changed = 0;
  if (l.targets.length > 0) {
    const n = table.primaryKey.length;
    const keyParams = pgKeyFilter(
      live,
      table.primaryKey,
      l.targets.map((t) => t.key),
      1,
    ).params;
    const valueParams = masks.map((m) => {
      const column = live.columns.find((c) => c.name === m.column);
      if (!column) throw new InvalidInputError(`${table.table}.${m.column} is not in the catalog`);
      return l.targets.map((t) => maskValue(m, column, t.row[m.column] ?? null, deps));
    });
    const casts = [
      ...table.primaryKey.map((c, i) =>
        typedArray(live.columns.find((x) => x.name === c)?.castType ?? 'text', i + 1),
      ),
      ...masks.map((_, i) => `$${n + i + 1}::text[]`),
    ];
    const aliases = [...table.primaryKey.map((_, i) => `k${i}`), ...masks.map((_, i) => `v${i}`)];
    const set = masks
      .map(
        (m, i) =>
          `${quoteIdent(m.column)} = m.v${i}::${live.columns.find((c) => c.name === m.column)?.castType}`,
      )
      .join(', ');
    const on = table.primaryKey.map((c, i) => `t.${quoteIdent(c)} = m.k${i}`).join(' AND ');
    const result = await client.query(
      `UPDATE ${quoteIdent(live.schema)}.${quoteIdent(live.name)} AS t SET ${set} FROM unnest(${casts.join(', ')}) AS m(${aliases.join(', ')}) WHERE ${on}`,
      [...keyParams, ...valueParams],
    );
    changed = result.rowCount ?? 0;
  }
  return {
    system: 'postgres',
    table: table.table,
    action: 'mask',
    planned: table.rows.length,
    changed,
    alreadyDone: l.alreadyDone,
    ...(table.party ? { party: table.party } : {}),
  };
}
