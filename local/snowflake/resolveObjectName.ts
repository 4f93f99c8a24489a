/** An unquoted Snowflake identifier: a letter or `_`, then letters, digits, `_` or `$`. */
const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * The name Snowflake stores for an identifier as a user writes it: unquoted names are upper-cased
 * (`dsr_wh` is `DSR_WH`), a double-quoted name keeps its case (`"Dsr_Wh"` is `Dsr_Wh`). Returns
 * undefined for text that is neither.
 * https://docs.snowflake.com/en/sql-reference/identifiers-syntax
 */
export function resolveObjectName(written: string): string | undefined {
  if (UNQUOTED.test(written)) return written.toUpperCase();
  const quoted = /^"((?:[^"]|"")+)"$/.exec(written);
  return quoted?.[1] ? quoted[1].replaceAll('""', '"') : undefined;
}
