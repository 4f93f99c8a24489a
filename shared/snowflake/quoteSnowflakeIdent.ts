import { InvalidArgumentError } from '../errors/errors';
/**
 * Quotes an identifier for Snowflake (`"a""b"`), so its case is kept as written. Names come only
 * from the validated data map or configuration.
 * https://docs.snowflake.com/en/sql-reference/identifiers-syntax#double-quoted-identifiers
 */
export function quoteSnowflakeIdent(name: string): string {
  if (name.includes('\u0000')) throw new InvalidArgumentError('an identifier cannot contain NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes each part of a dotted name: `ANALYTICS.PUBLIC.USERS` → `"ANALYTICS"."PUBLIC"."USERS"`. */
export function quoteSnowflakeName(dotted: string): string {
  return dotted.split('.').map(quoteSnowflakeIdent).join('.');
}
