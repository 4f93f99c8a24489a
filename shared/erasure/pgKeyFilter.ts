import type { CanonicalObject } from '../canonical/CanonicalValue';
import { UnexpectedDataError } from '../errors/errors';
import { quoteIdent } from '../postgres/quoteIdent';
import type { PgTable } from '../postgres/readPgCatalog';

/**
 * `(alias."a", alias."b") IN (SELECT * FROM unnest($n::text[]::<type a>[], $n+1::text[]::<type b>[]))`
 * with one bound text array per key column: any number of composite keys in one statement, each
 * value cast to its column's type by PostgreSQL. Canonical key values are written back as the text
 * PostgreSQL accepts for them (numbers and exact digits as digits, timestamps in ISO-8601).
 */
export function pgKeyFilter(
  table: PgTable,
  keyColumns: readonly string[],
  keys: readonly CanonicalObject[],
  firstParam: number,
  alias?: string,
): { sql: string; params: (string | null)[][] } {
  const prefix = alias ? `${alias}.` : '';
  const casts = keyColumns.map((name, i) => {
    const column = table.columns.find((c) => c.name === name);
    if (!column)
      throw new UnexpectedDataError(`key column ${name} is not a column of ${table.schema}.${table.name}`);
    return typedArray(column.castType, firstParam + i);
  });
  const params = keyColumns.map((name) =>
    keys.map((key) => {
      const value = key[name];
      if (value === undefined || value === null || typeof value === 'object')
        throw new UnexpectedDataError(`a planned key of ${table.schema}.${table.name} has no scalar ${name}`);
      return String(value);
    }),
  );
  // One column: `= ANY(array)`, which an index scan takes as one sorted array of keys (PostgreSQL
  // walks the index once instead of probing it once per key from a hashed unnest).
  if (keyColumns.length === 1)
    return { sql: `${prefix}${quoteIdent(keyColumns[0] as string)} = ANY(${casts[0]})`, params };
  return {
    sql: `(${keyColumns.map((c) => `${prefix}${quoteIdent(c)}`).join(', ')}) IN (SELECT * FROM unnest(${casts.join(', ')}))`,
    params,
  };
}

/**
 * Parameter `$n` (canonical values as text) as an array of the column's type: a `bytea` value's
 * canonical form is base64, decoded here; every other type reads its canonical text itself.
 */
export function typedArray(castType: string, n: number): string {
  return castType === 'bytea'
    ? `ARRAY(SELECT decode(v, 'base64') FROM unnest($${n}::text[]) v)`
    : `$${n}::text[]::${castType}[]`;
}
