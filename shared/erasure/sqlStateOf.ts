/** The SQLSTATE of a PostgreSQL error, raw from the driver or classified (`PostgresError.sqlState`). */
export function sqlStateOf(error: unknown): string | undefined {
  const e = error as { sqlState?: unknown; code?: unknown } | undefined;
  if (typeof e?.sqlState === 'string') return e.sqlState;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}
