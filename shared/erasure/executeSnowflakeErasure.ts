import { createHmac } from 'node:crypto';
import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap } from '../datamap/dataMapSchema';
import { InvalidInputError } from '../errors/errors';
import { quoteSnowflakeIdent, quoteSnowflakeName } from '../snowflake/quoteSnowflakeIdent';
import { readSnowflakeCatalog } from '../snowflake/readSnowflakeCatalog';
import type { SnowflakeColumn, SnowflakeTable } from '../snowflake/SnowflakeColumn';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { keyText } from './checkPlan';
import { compareWithPlan } from './compareWithPlan';
import type { ErasurePlan, PlannedMask } from './ErasurePlan';
import type { ErasureExecution, ErasureStep, StaleRows } from './ErasureStep';
import type { RandomBytes } from './maskValue';

export interface SnowflakeErasureDeps {
  /** A session of the erasure role: DELETE/UPDATE on the mapped tables, SELECT for the re-check. */
  readonly db: SnowflakeDatabase;
  readonly dataMap: DataMap;
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
}

/**
 * Executes the Snowflake part of a plan in ONE explicit transaction (`BEGIN` … `COMMIT`; Snowflake
 * runs each DML statement in autocommit otherwise). Planned rows are re-read by key and compared with
 * discovery's row hashes: Snowflake has no `SELECT … FOR UPDATE`, but a DML statement in a
 * transaction locks its table until the commit, and a changed row makes the whole transaction roll
 * back with the outcome `stale`. Rows already gone or already masked count as done, so a redelivery
 * after a crash changes nothing twice. Keys travel as one bound JSON array expanded by
 * `FLATTEN(PARSE_JSON(?))`, as the loader's MERGE does. Keyless Snowflake tables are not erased yet.
 * https://docs.snowflake.com/en/sql-reference/transactions
 * https://docs.snowflake.com/en/sql-reference/sql/delete
 * https://docs.snowflake.com/en/sql-reference/sql/update
 */
export async function executeSnowflakeErasure(
  deps: SnowflakeErasureDeps,
  plan: ErasurePlan,
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
  await deps.db.query('BEGIN TRANSACTION');
  try {
    const stale: StaleRows[] = [];
    const steps: ErasureStep[] = [];
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
      const source = keySource(live, table.primaryKey);
      const on = table.primaryKey
        .map((k) => `t.${quoteSnowflakeIdent(k)} = s.${quoteSnowflakeIdent(k)}`)
        .join(' AND ');
      const keysJson = canonicalJson(
        table.rows.map((r) => keyJson(r.key, table.primaryKey)) as unknown as CanonicalValue,
      );
      const rows = await deps.db.query(
        `SELECT ${select.map((c) => `t.${quoteSnowflakeIdent(c.name)}`).join(', ')} FROM ${quoteSnowflakeName(table.table)} t JOIN ${source} ON ${on}`,
        [keysJson],
      );
      const current = new Map(rows.map((row) => [keyText(row, table.primaryKey), row]));
      const { targets, alreadyDone, stale: changedRows } = compareWithPlan(table, current);
      if (changedRows > 0) {
        stale.push({ system: 'snowflake', table: table.table, rows: changedRows });
        continue;
      }
      let changed = 0;
      if (targets.length > 0 && table.action === 'delete') {
        const targetJson = canonicalJson(
          targets.map((t) => keyJson(t.key, table.primaryKey)) as unknown as CanonicalValue,
        );
        const result = await deps.db.execute(
          `DELETE FROM ${quoteSnowflakeName(table.table)} t USING ${source} WHERE ${on}`,
          [targetJson],
        );
        changed = result.rowsAffected ?? targets.length;
      } else if (targets.length > 0) {
        const masks = table.mask ?? [];
        const elements = targets.map((t) => ({
          ...keyJson(t.key, table.primaryKey),
          ...Object.fromEntries(
            masks.map((m, i) => [`v${i}`, maskText(m, t.row[m.column] ?? null, live, deps)]),
          ),
        }));
        const withValues = keySource(
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
      steps.push({
        system: 'snowflake',
        table: table.table,
        action: table.action as 'delete' | 'mask',
        planned: table.rows.length,
        changed,
        alreadyDone,
      });
    }
    if (stale.length > 0) {
      await deps.db.query('ROLLBACK');
      return { outcome: 'stale', stale };
    }
    await deps.db.query('COMMIT');
    return {
      outcome: 'done',
      steps: plan.tables.flatMap((t) => steps.filter((s) => s.table === t.table && t.system === 'snowflake')),
    };
  } catch (error) {
    await deps.db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function keyJson(key: CanonicalObject, columns: readonly string[]): Record<string, string> {
  return Object.fromEntries(columns.map((c) => [c, String(key[c] ?? '')]));
}

/** `(SELECT <key columns cast to their types>[, extra text fields] FROM TABLE(FLATTEN(PARSE_JSON(?))) f) s` */
function keySource(table: SnowflakeTable, keys: readonly string[], extra: readonly string[] = []): string {
  const cast = (c: SnowflakeColumn) => {
    const value = `f.value:"${c.name}"::VARCHAR`;
    return c.dataType === 'NUMBER' ? `CAST(${value} AS NUMBER(${c.precision ?? 38},${c.scale ?? 0}))` : value;
  };
  const columns = keys.map((k) => {
    const column = table.columns.find((c) => c.name === k);
    if (!column) throw new InvalidInputError(`${table.name}.${k} is not a column`);
    return `${cast(column)} AS ${quoteSnowflakeIdent(k)}`;
  });
  const values = extra.map((e) => `f.value:"${e}"::VARCHAR AS "${e}"`);
  return `(SELECT ${[...columns, ...values].join(', ')} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f) AS s`;
}

/** The masked value of a Snowflake text column (the strategies Snowflake tables support). */
function maskText(
  mask: PlannedMask,
  original: CanonicalValue,
  table: SnowflakeTable,
  deps: SnowflakeErasureDeps,
): string | null {
  if (original === null || mask.strategy === 'null') return null;
  if (mask.strategy === 'redact') return mask.text;
  const length = table.columns.find((c) => c.name === mask.column)?.length ?? 64;
  const bytes =
    mask.strategy === 'hash'
      ? createHmac('sha256', deps.maskKey).update(canonicalJson(original)).digest()
      : deps.randomBytes(32);
  return bytes.toString('hex').slice(0, Math.min(length, 64));
}
