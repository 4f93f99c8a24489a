import type { Normalization } from '../identity/Normalization';
import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import { SAMPLE_FACTOR } from '../scan/ScanSource';
import { qualifiedName } from './qualifiedName';

/** How many sampled non-null values of a column belong to a value that occurs more than once. */
export interface SampledRepeats {
  readonly sampled: number;
  readonly repeated: number;
}

/**
 * The SQL form of a data map normalisation, so values are compared as discovery compares them:
 * `(206) 555-9482` and `206.555.9482` are one phone number under `digits`.
 */
export function normalizedSql(column: string, normalize: Normalization): string {
  const c = quoteIdent(column);
  if (normalize === 'lowercase') return `lower(btrim(${c}::text))`;
  if (normalize === 'digits') return `regexp_replace(${c}::text, '[^0-9]', '', 'g')`;
  return `${c}::text`;
}

/**
 * Counts repeats among up to `sample` non-null values of a column, normalised as the identity kind
 * is: a value two rows share identifies no one. A large table is cut down with `TABLESAMPLE SYSTEM …
 * REPEATABLE (0)` first (the same pages each time while the table is unchanged), so the query is
 * bounded; a repeat within the sampled pages is still a repeat. Only counts leave the database.
 * Runs in a `READ ONLY` transaction.
 */
export async function measureRepeats(
  db: PgDatabase,
  table: string,
  column: string,
  normalize: Normalization,
  options: { sample: number; estimatedRows: number | undefined },
): Promise<SampledRepeats> {
  const value = normalizedSql(column, normalize);
  const sql = (tablesample: string) => `
    SELECT coalesce(sum(n), 0)::int8::text AS sampled,
           coalesce(sum(n) FILTER (WHERE n > 1), 0)::int8::text AS repeated
    FROM (SELECT v, count(*) AS n FROM (
            SELECT ${value} AS v FROM ${qualifiedName(table)} ${tablesample}
            WHERE ${quoteIdent(column)} IS NOT NULL AND ${value} <> '' LIMIT $1) s
          GROUP BY v) g`;
  const estimate = options.estimatedRows;
  const large = estimate !== undefined && estimate > options.sample * SAMPLE_FACTOR;
  return db.withClient(async (client) => {
    await client.query('BEGIN READ ONLY');
    try {
      const run = async (text: string, values: unknown[]) => {
        const row = (await client.query<{ sampled: string; repeated: string }>(text, values)).rows[0];
        return { sampled: Number(row?.sampled ?? 0), repeated: Number(row?.repeated ?? 0) };
      };
      let result: SampledRepeats = { sampled: 0, repeated: 0 };
      if (large && estimate !== undefined)
        result = await run(sql('TABLESAMPLE SYSTEM ($2) REPEATABLE (0)'), [
          options.sample,
          Math.min(100, (100 * options.sample * 2) / estimate),
        ]);
      if (result.sampled === 0) result = await run(sql(''), [options.sample]);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Counts how many of up to `sample` distinct normalised values of one column also occur in another
 * column (of another table): a phone number a supplier and a carrier share identifies neither.
 * The other column is read once (a hash semi-join). Only counts leave the database.
 */
export async function measureSharedValues(
  db: PgDatabase,
  a: { readonly table: string; readonly column: string },
  b: { readonly table: string; readonly column: string },
  normalize: Normalization,
  sample: number,
): Promise<{ readonly sampled: number; readonly shared: number }> {
  const va = normalizedSql(a.column, normalize);
  const vb = normalizedSql(b.column, normalize);
  const result = await db.query<{ sampled: string; shared: string }>(
    `SELECT count(*)::int8::text AS sampled,
            count(*) FILTER (WHERE s.v IN (SELECT ${vb} FROM ${qualifiedName(b.table)}
                                           WHERE ${quoteIdent(b.column)} IS NOT NULL))::int8::text AS shared
     FROM (SELECT DISTINCT ${va} AS v FROM ${qualifiedName(a.table)}
           WHERE ${quoteIdent(a.column)} IS NOT NULL AND ${va} <> '' ORDER BY 1 LIMIT $1) s`,
    [sample],
  );
  const row = result.rows[0];
  return { sampled: Number(row?.sampled ?? 0), shared: Number(row?.shared ?? 0) };
}

/** How many of a phone column's sampled non-null values are written with a country code. */
export interface PhoneForms {
  readonly sampled: number;
  /** Values that start with `+` or `00` (after spaces and an opening parenthesis). */
  readonly withCountryCode: number;
}

/**
 * Counts, among up to `sample` non-null values of a phone column (the first the table returns),
 * those written with a country code (`+1 206 …`, `0044 20 …`) and the others. Under `digits` the
 * two forms of one number never match each other. Only counts leave the database.
 */
export async function measurePhoneForms(
  db: PgDatabase,
  table: string,
  column: string,
  sample: number,
): Promise<PhoneForms> {
  const c = quoteIdent(column);
  const row = (
    await db.query<{ sampled: string; with_code: string }>(
      `SELECT count(*)::int8::text AS sampled,
              count(*) FILTER (WHERE v ~ '^[[:space:](]*(\\+|00)')::int8::text AS with_code
       FROM (SELECT ${c}::text AS v FROM ${qualifiedName(table)} WHERE ${c} IS NOT NULL AND btrim(${c}::text) <> '' LIMIT $1) s`,
      [sample],
    )
  ).rows[0];
  return { sampled: Number(row?.sampled ?? 0), withCountryCode: Number(row?.with_code ?? 0) };
}
