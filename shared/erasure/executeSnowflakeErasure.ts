import { createHmac } from 'node:crypto';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap } from '../datamap/dataMapSchema';
import { InvalidInputError } from '../errors/errors';
import { SnowflakeError } from '../snowflake/errors';
import { quoteSnowflakeIdent, quoteSnowflakeName } from '../snowflake/quoteSnowflakeIdent';
import { readSnowflakeCatalog } from '../snowflake/readSnowflakeCatalog';
import type { SnowflakeTable } from '../snowflake/SnowflakeColumn';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import {
  checkSnowflakePlan,
  isSnowflakeInteger,
  snowflakeKeyJoin,
  snowflakeKeySource,
  snowflakeKeysJson,
} from './checkSnowflakePlan';
import { compareWithPlan } from './compareWithPlan';
import type { ErasurePlan, PlannedMask, PlannedTable } from './ErasurePlan';
import type { ErasureExecution, ErasureStep, StaleRows } from './ErasureStep';
import { keyText } from './keyText';
import type { RandomBytes } from './maskValue';

export interface SnowflakeErasureDeps {
  /** A session of the erasure role: DELETE/UPDATE on the mapped tables, SELECT for the re-check. */
  readonly db: SnowflakeDatabase;
  readonly dataMap: DataMap;
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
  /**
   * `STATEMENT_TIMEOUT_IN_SECONDS` for the session while the erasure (or its rehearsal) runs, so a
   * statement waiting on another transaction's lock cannot hold the erasure for hours.
   * https://docs.snowflake.com/en/sql-reference/parameters#statement-timeout-in-seconds
   * @default 120
   */
  readonly statementTimeoutSeconds?: number;
}

/**
 * The Snowflake part of an erasure as `executeErasurePlan` uses it: `check` before any system
 * commits, `execute` after PostgreSQL committed.
 */
export interface SnowflakeErasurePart {
  /**
   * The plan's Snowflake rules against Snowflake's catalog ({@link checkSnowflakePlan}), then its
   * statements rehearsed in a transaction that is rolled back: `refused` names what Snowflake
   * would refuse, `stale` the rows that changed since discovery; `done` (no steps) means the part
   * can run. Changes nothing.
   */
  check(plan: ErasurePlan): Promise<ErasureExecution>;
  execute(plan: ErasurePlan): Promise<ErasureExecution>;
}

/** The Snowflake part over one erasure session. */
export function snowflakeErasurePart(deps: SnowflakeErasureDeps): SnowflakeErasurePart {
  return {
    check: async (plan) => {
      const problems = await checkSnowflakePlan(deps.db, plan.tables, deps.dataMap);
      if (problems.length > 0) return { outcome: 'refused', problems };
      const rehearsal = await executeSnowflakeErasure(deps, plan, { rehearse: true });
      return rehearsal.outcome === 'done' ? { outcome: 'done', steps: [] } : rehearsal;
    },
    execute: (plan) => executeSnowflakeErasure(deps, plan),
  };
}

/**
 * Executes the Snowflake part of a plan in ONE explicit transaction (`BEGIN` … `COMMIT`; Snowflake
 * runs each DML statement in autocommit otherwise). Planned rows are re-read by key and compared with
 * discovery's row hashes: Snowflake has no `SELECT … FOR UPDATE`, but a DML statement in a
 * transaction locks its table until the commit, and a changed row (or a planned key that now matches
 * two rows) makes the whole transaction roll back with the outcome `stale`. Rows already gone or
 * already masked count as done, so a redelivery after a crash changes nothing twice. Keys travel as
 * one bound JSON array expanded by `FLATTEN(PARSE_JSON(?))`, as the loader's MERGE does. With
 * `rehearse`, the same statements run and the transaction is rolled back: a statement Snowflake
 * refuses ends `refused` (`REHEARSAL_FAILED`, naming the table and Snowflake's error code, never its
 * message, which may quote a value). Keyless Snowflake tables are refused (`checkSnowflakePlan`).
 * A table masked per party (`shared: mask-own`) runs one `UPDATE` per plan entry, each setting only
 * that entry's columns (the subject's party's), and reports one step each, with its party.
 * https://docs.snowflake.com/en/sql-reference/transactions
 * https://docs.snowflake.com/en/sql-reference/sql/delete
 * https://docs.snowflake.com/en/sql-reference/sql/update
 */
export async function executeSnowflakeErasure(
  deps: SnowflakeErasureDeps,
  plan: ErasurePlan,
  options: { readonly rehearse?: boolean } = {},
): Promise<ErasureExecution> {
  const work = plan.tables.filter(
    (t) => t.system === 'snowflake' && (t.action === 'delete' || t.action === 'mask') && t.rows.length > 0,
  );
  if (work.length === 0) return { outcome: 'done', steps: [] };
  for (const t of work)
    if (t.primaryKey.length === 0)
      throw new InvalidInputError(
        `${t.table} has no primaryKey: erasing keyless Snowflake tables is not supported`,
      );
  const catalog = await readSnowflakeCatalog(
    deps.db,
    work.map((t) => t.table),
  );
  const timeout = deps.statementTimeoutSeconds ?? 120;
  await deps.db.query(`ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${Math.max(1, Math.floor(timeout))}`);
  await deps.db.query('BEGIN TRANSACTION');
  let open = true;
  const end = async (word: 'COMMIT' | 'ROLLBACK') => {
    open = false;
    await deps.db.query(word);
  };
  try {
    const stale: StaleRows[] = [];
    // One step per plan entry: a table masked per party (`shared: mask-own`) has an entry, and a
    // statement, for each party's columns, and one for the subject's own rows.
    const steps = new Map<PlannedTable, ErasureStep>();
    for (const table of [
      ...work.filter((t) => t.action === 'mask'),
      ...work.filter((t) => t.action === 'delete'),
    ]) {
      const live = catalog.tables.get(table.table);
      if (!live) throw new InvalidInputError(`${table.table} does not exist in Snowflake`);
      const spec = deps.dataMap.snowflake.find((s) => s.table === table.table);
      const select = live.columns.filter(
        (c) => !(spec?.exclude ?? []).includes(c.name) && (!spec?.columns || spec.columns.includes(c.name)),
      );
      const source = snowflakeKeySource(live, table.primaryKey);
      const on = snowflakeKeyJoin(table.primaryKey);
      const rows = await deps.db.query(
        `SELECT ${select.map((c) => `t.${quoteSnowflakeIdent(c.name)}`).join(', ')} FROM ${quoteSnowflakeName(table.table)} t JOIN ${source} ON ${on}`,
        [snowflakeKeysJson(table)],
      );
      const current = new Map(rows.map((row) => [keyText(row, table.primaryKey), row]));
      const {
        targets,
        alreadyDone,
        stale: changedRows,
      } = compareWithPlan(table, current, (name) => {
        const column = live.columns.find((c) => c.name === name);
        if (!column) return undefined;
        return isSnowflakeInteger(column) ? 'integer' : { hexLength: Math.min(column.length ?? 64, 64) };
      });
      // A key that two rows share now would take the other row with it: never erase by it.
      const shared = rows.length - current.size;
      if (changedRows + shared > 0) {
        stale.push({ system: 'snowflake', table: table.table, rows: changedRows + shared });
        continue;
      }
      let changed = 0;
      try {
        if (targets.length > 0 && table.action === 'delete') {
          const result = await deps.db.execute(
            `DELETE FROM ${quoteSnowflakeName(table.table)} t USING ${source} WHERE ${on}`,
            [snowflakeKeysJson({ rows: targets, primaryKey: table.primaryKey })],
          );
          changed = result.rowsAffected ?? targets.length;
        } else if (targets.length > 0) {
          const masks = table.mask ?? [];
          const elements = targets.map((t) => ({
            ...Object.fromEntries(table.primaryKey.map((c) => [c, String(t.key[c] ?? '')])),
            ...Object.fromEntries(
              masks.map((m, i) => [`v${i}`, maskText(m, t.row[m.column] ?? null, live, deps)]),
            ),
          }));
          const withValues = snowflakeKeySource(
            live,
            table.primaryKey,
            masks.map((_, i) => `v${i}`),
          );
          const set = masks.map((m, i) => `${quoteSnowflakeIdent(m.column)} = s."v${i}"`).join(', ');
          const result = await deps.db.execute(
            `UPDATE ${quoteSnowflakeName(table.table)} t SET ${set} FROM ${withValues} WHERE ${on}`,
            [canonicalJson(elements as unknown as CanonicalValue)],
          );
          changed = result.rowsAffected ?? targets.length;
        }
      } catch (error) {
        if (!options.rehearse || !(error instanceof SnowflakeError) || error.retryable) throw error;
        await end('ROLLBACK');
        return {
          outcome: 'refused',
          problems: [
            {
              system: 'snowflake',
              table: table.table,
              code: 'REHEARSAL_FAILED',
              message: `Snowflake refused the planned ${table.action === 'delete' ? 'DELETE' : 'UPDATE'} when it was rehearsed (error ${error.snowflakeCode ?? 'unknown'}, SQLSTATE ${error.sqlState ?? 'unknown'}); nothing was changed`,
            },
          ],
        };
      }
      steps.set(table, {
        system: 'snowflake',
        table: table.table,
        action: table.action as 'delete' | 'mask',
        planned: table.rows.length,
        changed,
        alreadyDone,
        ...(table.party ? { party: table.party } : {}),
      });
    }
    if (stale.length > 0) {
      await end('ROLLBACK');
      return { outcome: 'stale', stale };
    }
    await end(options.rehearse ? 'ROLLBACK' : 'COMMIT');
    return {
      outcome: 'done',
      steps: plan.tables.flatMap((t) => {
        const step = steps.get(t);
        return step ? [step] : [];
      }),
    };
  } catch (error) {
    if (open) await deps.db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await deps.db.query('ALTER SESSION UNSET STATEMENT_TIMEOUT_IN_SECONDS').catch(() => undefined);
  }
}

/** The masked value of a Snowflake column (text, or an integer for `random` on a NUMBER(p,0)). */
function maskText(
  mask: PlannedMask,
  original: CanonicalValue,
  table: SnowflakeTable,
  deps: SnowflakeErasureDeps,
): string | null {
  if (original === null || mask.strategy === 'null') return null;
  if (mask.strategy === 'redact') return mask.text;
  const column = table.columns.find((c) => c.name === mask.column);
  const bytes =
    mask.strategy === 'hash'
      ? createHmac('sha256', deps.maskKey).update(canonicalJson(original)).digest()
      : deps.randomBytes(32);
  if (mask.strategy === 'random' && column && isSnowflakeInteger(column)) {
    // At most 18 digits: any NUMBER(p,0) with p ≥ 1 holds it once cut to p digits.
    const digits = Math.min(column.precision ?? 38, 18);
    return (BigInt(`0x${bytes.subarray(0, 8).toString('hex')}`) % 10n ** BigInt(digits)).toString();
  }
  return bytes.toString('hex').slice(0, Math.min(column?.length ?? 64, 64));
}
