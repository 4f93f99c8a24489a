/** Anything that runs SQL: a `pg.Client`, a `pg.Pool`, a pooled client. */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface HeavySubjectOptions {
  /** Events the subject gets (besides its one `users` row). */
  readonly rows: number;
  /** The subject's email. @default `heavy.<rows>@example.com` */
  readonly email?: string;
}

/**
 * First user id of heavy subjects: far above the sample data's ids (at most 10,000 × 1,000 users),
 * so a heavy subject never collides with a generated user. Event ids start at `HEAVY_BASE_ID` × 10.
 */
const HEAVY_BASE_ID = 1_000_000_000_000;

/**
 * Gives one user `rows` events on the sample schema (`local/sample/schema.sql`), so that
 * `dsr discover --datamap local/sample/datamap.yaml --subject email=<email>` finds `rows + 1` rows
 * (the user and its events; no order, address or ticket). Rows are generated inside PostgreSQL
 * with `generate_series`, deterministically: the same `email` and `rows` give the same rows on any
 * machine. Re-running with the same email replaces that subject's rows; several heavy subjects may
 * live side by side (each email gets its own id range, derived from the email's digest).
 */
export async function seedHeavySubject(
  client: SqlClient,
  options: HeavySubjectOptions,
): Promise<{ email: string; rows: number }> {
  const rows = Math.trunc(options.rows);
  if (!(rows >= 0) || rows > 30_000_000)
    throw new RangeError(`rows must be between 0 and 30,000,000 (given ${options.rows})`);
  const email = (options.email ?? `heavy.${rows}@example.com`).trim().toLowerCase();
  // The user id: the base plus 31 bits of the email's md5, the same for the same email everywhere.
  const userId = `(${HEAVY_BASE_ID} + ('x' || substr(md5($1::text), 1, 8))::bit(32)::bigint % 2147483648)`;
  await client.query(
    `DELETE FROM public.events WHERE user_id IN (SELECT id FROM public.users WHERE email = $1)`,
    [email],
  );
  await client.query(`DELETE FROM public.users WHERE email = $1`, [email]);
  await client.query(
    `INSERT INTO public.users (id, email, full_name, phone, date_of_birth, country, balance, loyalty_points,
       rating, marketing_opt_in, preferences, password_hash, external_id, created_at)
     SELECT ${userId}, $1, 'Heavy Subject', NULL, date '1980-01-01', 'GB', 12.5, 100, 4.5, true,
       '{"newsletter": true, "theme": "dark"}'::jsonb, md5('pw' || $1), md5('uuid:' || $1)::uuid,
       timestamptz '2020-01-01 00:00:00+00'`,
    [email],
  );
  // Event ids: the user's id range × 2^25 (room for 33M events per subject), offset by the series.
  await client.query(
    `INSERT INTO public.events (id, user_id, kind, properties, occurred_at)
     SELECT u.id * 10 + (u.id - ${HEAVY_BASE_ID}) * 33554432 + i, u.id,
       (ARRAY['login','view','add_to_cart','checkout'])[1 + i % 4],
       jsonb_build_object('sku', 'SKU-' || (i * 7919) % 5000, 'n', i, 'path', '/p/' || i % 997),
       timestamptz '2020-01-01 00:00:00+00' + i * interval '1 second'
     FROM public.users u CROSS JOIN generate_series(1, $2::bigint) AS i
     WHERE u.email = $1`,
    [email, rows],
  );
  return { email, rows };
}

/**
 * Gives one user (`big.<MiB>mib@example.com` unless `email` is given) a `preferences` document of
 * about `bytes` of JSON text: an array of small objects with numbers and strings, the shape that
 * costs a parser the most per byte. Deterministic and re-runnable like {@link seedHeavySubject}.
 */
export async function seedLargeValueSubject(
  client: SqlClient,
  options: { readonly bytes: number; readonly email?: string },
): Promise<{ email: string; bytes: number }> {
  const items = Math.max(1, Math.ceil(options.bytes / 64));
  const email = (options.email ?? `big.${Math.round(options.bytes / 1048576)}mib@example.com`).toLowerCase();
  await seedHeavySubject(client, { rows: 0, email });
  await client.query(
    `UPDATE public.users SET preferences = (
       SELECT jsonb_agg(jsonb_build_object('n', i, 'price', (i % 1000) || '.25', 'note', 'item ' || md5(i::text)) ORDER BY i)
       FROM generate_series(1, $2::int) AS i)
     WHERE email = $1`,
    [email, items],
  );
  return { email, bytes: options.bytes };
}

/** The keyless table {@link seedKeylessSubject} writes: no primary key, searched by `user_id`. */
export const KEYLESS_LOG_TABLE = 'public.event_log';

/**
 * The data map entry of {@link KEYLESS_LOG_TABLE}, to append to `local/sample/datamap.yaml`'s
 * PostgreSQL tables: no `primaryKey`, so its rows are keyed by content and occurrence.
 */
export const KEYLESS_LOG_DATAMAP_ENTRY = `  - table: ${KEYLESS_LOG_TABLE}
    identities: { user_id: user_id }
`;

/**
 * Gives one user (`keyless.<rows>@example.com` unless `email` is given) `rows` rows in a table
 * without a primary key, {@link KEYLESS_LOG_TABLE} (made with an index on `user_id` if missing): an
 * event log whose every hundredth row repeats the one before it, so about 1 % of the rows are
 * identical copies and the rest are distinct. Generated inside PostgreSQL, deterministically; the
 * user comes from {@link seedHeavySubject} with no events, so a discovery with the sample map plus
 * {@link KEYLESS_LOG_DATAMAP_ENTRY} finds `rows + 1` rows.
 */
export async function seedKeylessSubject(
  client: SqlClient,
  options: HeavySubjectOptions,
): Promise<{ email: string; rows: number }> {
  const rows = Math.trunc(options.rows);
  if (!(rows >= 0) || rows > 30_000_000)
    throw new RangeError(`rows must be between 0 and 30,000,000 (given ${options.rows})`);
  const email = (options.email ?? `keyless.${rows}@example.com`).trim().toLowerCase();
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${KEYLESS_LOG_TABLE} (
       user_id bigint NOT NULL, kind text NOT NULL, properties jsonb, occurred_at timestamptz NOT NULL)`,
  );
  await client.query(`CREATE INDEX IF NOT EXISTS event_log_user_id ON ${KEYLESS_LOG_TABLE} (user_id)`);
  await client.query(
    `DELETE FROM ${KEYLESS_LOG_TABLE} WHERE user_id IN (SELECT id FROM public.users WHERE email = $1)`,
    [email],
  );
  await seedHeavySubject(client, { rows: 0, email });
  // Row i holds the content of i - 1 when i is a multiple of 100: an identical copy of the row before.
  await client.query(
    `INSERT INTO ${KEYLESS_LOG_TABLE} (user_id, kind, properties, occurred_at)
     SELECT u.id, (ARRAY['login','view','add_to_cart','checkout'])[1 + c % 4],
       jsonb_build_object('sku', 'SKU-' || (c * 7919) % 5000, 'n', c, 'path', '/p/' || c % 997),
       timestamptz '2020-01-01 00:00:00+00' + c * interval '1 second'
     FROM public.users u
     CROSS JOIN generate_series(1, $2::bigint) AS i
     CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END AS c) AS content
     WHERE u.email = $1`,
    [email, rows],
  );
  return { email, rows };
}
