import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap } from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import { quoteSnowflakeIdent, quoteSnowflakeName } from '../snowflake/quoteSnowflakeIdent';
import { readSnowflakeCatalog } from '../snowflake/readSnowflakeCatalog';
import type { SnowflakeColumn, SnowflakeTable } from '../snowflake/SnowflakeColumn';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { PlannedMask, PlannedTable } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { MIN_MASK_LENGTH } from './maskValue';

/** Snowflake's text type as `INFORMATION_SCHEMA.COLUMNS.DATA_TYPE` names it (VARCHAR, STRING, CHAR …). */
const TEXT = 'TEXT';
/** Key types the erasure can bind and compare exactly (as text, or cast back to NUMBER(p,s)). */
const KEY_TYPES = new Set([TEXT, 'NUMBER']);

/** A Snowflake NUMBER column of scale 0: a random mask draws an integer of its precision. */
export function isSnowflakeInteger(column: SnowflakeColumn): boolean {
  return column.dataType === 'NUMBER' && (column.scale ?? 0) === 0;
}

/**
 * Why a Snowflake column cannot take a mask, or undefined when it can: the same rules as
 * PostgreSQL's `maskRefusal`, against what `INFORMATION_SCHEMA.COLUMNS` declares. Snowflake refuses
 * such an UPDATE at run time (100038 numeric value not recognized, 100074 string too long, 100072
 * NULL into a non-nullable column); the plan refuses it before anything runs.
 * https://docs.snowflake.com/en/sql-reference/info-schema/columns
 */
export function snowflakeMaskRefusal(mask: PlannedMask, column: SnowflakeColumn): string | undefined {
  const text = column.dataType === TEXT;
  const max = text ? column.length : undefined;
  switch (mask.strategy) {
    case 'null':
      return column.nullable ? undefined : 'is NOT NULL: it cannot be masked with null';
    case 'redact':
      if (!text) return `is ${column.dataType}: a fixed redaction needs a text column`;
      if (max !== undefined && [...mask.text].length > max)
        return `holds at most ${max} characters: the redaction text is ${[...mask.text].length} long`;
      return undefined;
    case 'hash':
      if (!text) return `is ${column.dataType}: a keyed hash needs a text column`;
      if (max !== undefined && max < MIN_MASK_LENGTH)
        return `holds at most ${max} characters: a keyed hash needs at least ${MIN_MASK_LENGTH}`;
      return undefined;
    case 'random':
      if (isSnowflakeInteger(column)) return undefined;
      if (!text) return `is ${column.dataType}: a random value is made for text and integer columns only`;
      if (max !== undefined && max < MIN_MASK_LENGTH)
        return `holds at most ${max} characters: a random value needs at least ${MIN_MASK_LENGTH}`;
      return undefined;
  }
}

/**
 * The problems of a plan's Snowflake part against Snowflake's own catalog, read before anything
 * runs (dry run and change alike), as the erasure will meet them:
 * - the table exists (`TABLE_MISSING`);
 * - a table to delete from or mask has a key in the data map, whose columns exist and are TEXT or
 *   NUMBER, and no two live rows share a planned key (`KEY_REFUSED`): Snowflake does not enforce
 *   primary keys, and a `DELETE … USING` by a shared key would take another person's row with it;
 * - each masked column exists, is not a key column, and can take its strategy (`MASK_REFUSED`,
 *   {@link snowflakeMaskRefusal}), the columns of each party's entry (`shared: mask-own`) included.
 * Messages name tables and columns, never values.
 */
export async function checkSnowflakePlan(
  db: SnowflakeDatabase,
  tables: readonly PlannedTable[],
  dataMap?: DataMap,
): Promise<ErasureProblem[]> {
  const work = tables.filter(
    (t) => t.system === 'snowflake' && (t.action === 'delete' || t.action === 'mask') && t.rows.length > 0,
  );
  const followed = dataMap ? followedSnowflakeKeys(dataMap, work) : [];
  if (work.length === 0) return [];
  const catalog = await readSnowflakeCatalog(db, [
    ...new Set([...work.map((t) => t.table), ...followed.map((f) => f.target)]),
  ]);
  const problems: ErasureProblem[] = [];
  // A table masked per party (`shared: mask-own`) has several entries, each checked with its own
  // columns and keys; a problem two entries share is named once.
  const named = new Set<string>();
  for (const table of work) {
    const refuse = (code: ErasureProblem['code'], message: string, column?: string) => {
      const id = JSON.stringify([table.table, column ?? null, code, message]);
      if (named.has(id)) return;
      named.add(id);
      problems.push({
        system: 'snowflake',
        table: table.table,
        ...(column ? { column } : {}),
        code,
        message,
      });
    };
    const live = catalog.tables.get(table.table);
    if (!live) {
      refuse('TABLE_MISSING', 'the table does not exist in Snowflake (or the erasure cannot see it)');
      continue;
    }
    if (table.primaryKey.length === 0) {
      refuse(
        'KEY_REFUSED',
        `has no primaryKey in the data map: a keyless Snowflake table cannot be erased row by row (${table.action}); declare its key or retain it`,
      );
      continue;
    }
    let keysUsable = true;
    for (const k of table.primaryKey) {
      const column = live.columns.find((c) => c.name === k);
      if (!column) refuse('KEY_REFUSED', 'the key column does not exist in Snowflake', k);
      else if (!KEY_TYPES.has(column.dataType))
        refuse('KEY_REFUSED', `the key column is ${column.dataType}: erasure by key needs TEXT or NUMBER`, k);
      else continue;
      keysUsable = false;
    }
    for (const mask of table.mask ?? []) {
      const column = live.columns.find((c) => c.name === mask.column);
      const why = !column
        ? 'is not a column of the table in Snowflake'
        : table.primaryKey.includes(mask.column)
          ? 'is a key column: delete the row instead of masking its key'
          : snowflakeMaskRefusal(mask, column);
      if (why) refuse('MASK_REFUSED', `${mask.column} ${why} (strategy ${mask.strategy})`, mask.column);
    }
    if (!keysUsable) continue;
    const shared = await sharedKeys(db, live, table);
    if (shared > 0)
      refuse(
        'KEY_REFUSED',
        `${shared} planned key(s) match more than one row: Snowflake does not enforce the data map's primaryKey, and erasing by such a key would change rows discovery did not find`,
      );
  }
  // A Snowflake table's declared key that a table the plan changes follows (the orders of a
  // customer number): where two people's rows hold a value the planned rows hold, the follow
  // reached the other person's rows as the subject's. Counted from the planned rows' own values.
  for (const f of followed) {
    const live = catalog.tables.get(f.follower.table);
    const target = catalog.tables.get(f.target);
    if (!live || !target || !f.follower.primaryKey.every((k) => KEY_TYPES.has(columnType(live, k)))) continue;
    const rows = await db.query(
      `SELECT COUNT(*) AS N FROM (SELECT c.${quoteSnowflakeIdent(f.targetColumn)} FROM ${quoteSnowflakeName(f.target)} c ` +
        `WHERE c.${quoteSnowflakeIdent(f.targetColumn)} IN (SELECT t.${quoteSnowflakeIdent(f.column)} FROM ${quoteSnowflakeName(f.follower.table)} t ` +
        `JOIN ${snowflakeKeySource(live, f.follower.primaryKey)} ON ${snowflakeKeyJoin(f.follower.primaryKey)}) ` +
        `GROUP BY c.${quoteSnowflakeIdent(f.targetColumn)} HAVING COUNT(*) > 1) AS d`,
      [snowflakeKeysJson(f.follower)],
    );
    const shared = Number(rows[0]?.N ?? 0);
    if (shared > 0)
      problems.push({
        system: 'snowflake',
        table: f.follower.table,
        column: f.column,
        code: 'KEY_REFUSED',
        message: `follows ${f.target}.${f.targetColumn}, its declared key, and ${shared} of the values its planned rows hold there match more than one row: Snowflake does not enforce the data map's primaryKey, so the follow reached rows of other people as the subject's; declare a key that names one row, or follow a column that does`,
      });
  }
  return problems;
}

/**
 * The follow edges of the Snowflake tables the plan changes onto another Snowflake table's single
 * declared key: each follower, its column, and the key.
 */
function followedSnowflakeKeys(
  dataMap: DataMap,
  work: readonly PlannedTable[],
): { follower: PlannedTable; column: string; target: string; targetColumn: string }[] {
  return work.flatMap((follower) => {
    const spec = dataMap.snowflake.find((s) => s.table === follower.table);
    return Object.entries(spec?.follow ?? {}).flatMap(([column, refs]) =>
      refs.flatMap((r) => {
        const ref = parseColumnRef(r);
        const key = dataMap.snowflake.find((s) => s.table === ref.table)?.primaryKey;
        return ref.system === 'snowflake' && key?.length === 1 && key[0] === ref.column
          ? [{ follower, column, target: ref.table, targetColumn: ref.column }]
          : [];
      }),
    );
  });
}

/** A column's `DATA_TYPE`, or '' when the table has no such column. */
function columnType(table: SnowflakeTable, name: string): string {
  return table.columns.find((c) => c.name === name)?.dataType ?? '';
}

/** Planned keys that more than one live row holds. */
async function sharedKeys(db: SnowflakeDatabase, live: SnowflakeTable, table: PlannedTable): Promise<number> {
  const keys = table.primaryKey.map((k) => `t.${quoteSnowflakeIdent(k)}`).join(', ');
  const rows = await db.query(
    `SELECT COUNT(*) AS N FROM (SELECT ${keys} FROM ${quoteSnowflakeName(table.table)} t JOIN ${snowflakeKeySource(live, table.primaryKey)} ON ${snowflakeKeyJoin(table.primaryKey)} GROUP BY ${keys} HAVING COUNT(*) > 1) AS d`,
    [snowflakeKeysJson(table)],
  );
  return Number(rows[0]?.N ?? 0);
}

/** The planned keys of a table as one JSON array of `{ column: text }`, bound once and expanded by FLATTEN. */
export function snowflakeKeysJson(table: {
  readonly rows: readonly { readonly key: CanonicalObject }[];
  readonly primaryKey: readonly string[];
}): string {
  return canonicalJson(
    table.rows.map((r) =>
      Object.fromEntries(table.primaryKey.map((c) => [c, String(r.key[c] ?? '')])),
    ) as unknown as CanonicalValue,
  );
}

/** `t.k = s.k AND …` */
export function snowflakeKeyJoin(keys: readonly string[]): string {
  return keys.map((k) => `t.${quoteSnowflakeIdent(k)} = s.${quoteSnowflakeIdent(k)}`).join(' AND ');
}

/**
 * `(SELECT <key columns cast to their types>[, extra text fields] FROM TABLE(FLATTEN(PARSE_JSON(?))) f) s`:
 * keys travel as one bound JSON array, as the loader's MERGE does; NUMBER keys are cast back to
 * their precision and scale so they compare exactly.
 */
export function snowflakeKeySource(
  table: SnowflakeTable,
  keys: readonly string[],
  extra: readonly string[] = [],
): string {
  const cast = (c: SnowflakeColumn) => {
    const value = `f.value:${quoteSnowflakeIdent(c.name)}::VARCHAR`;
    return c.dataType === 'NUMBER' ? `CAST(${value} AS NUMBER(${c.precision ?? 38},${c.scale ?? 0}))` : value;
  };
  const columns = keys.map((k) => {
    const column = table.columns.find((c) => c.name === k) as SnowflakeColumn;
    return `${cast(column)} AS ${quoteSnowflakeIdent(k)}`;
  });
  const values = extra.map((e) => `f.value:"${e}"::VARCHAR AS "${e}"`);
  return `(SELECT ${[...columns, ...values].join(', ')} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f) AS s`;
}
