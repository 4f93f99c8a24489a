import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { packageFile } from '../../shared/package/packageFile';

export interface SampleDataOptions {
  /** 1 = 1,000 users, 10,000 orders, 25,000 events; 200 gives the benchmark's 200k/2M/5M. @default 1 */
  readonly scale?: number;
  /** The same seed always yields the same rows. @default 42 */
  readonly seed?: number;
  /** Add the hand-made subjects with edge-case values (`personas.sql`). @default true */
  readonly personas?: boolean;
}

/** Rows per table at scale 1. */
export const ROWS_PER_SCALE = {
  users: 1000,
  addresses: 1500,
  orders: 10_000,
  tickets: 300,
  events: 25_000,
} as const;

const sql = (name: string) => readFile(packageFile(`local/sample/${name}`), 'utf8');

/**
 * Creates the sample shop schema and fills it deterministically: rows are generated inside
 * PostgreSQL from `md5(seed:table:n)`, so a seed gives the same database on any machine, and
 * millions of rows load in seconds without passing through the client.
 */
export async function generateSampleData(dsn: string, options: SampleDataOptions = {}): Promise<void> {
  const scale = options.scale ?? 1;
  const seed = Math.trunc(options.seed ?? 42);
  if (!(scale > 0) || scale > 10_000) throw new RangeError(`scale must be in (0, 10000] (given ${scale})`);
  const n = (perScale: number) => Math.max(1, Math.round(perScale * scale));
  const users = n(ROWS_PER_SCALE.users);
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query(await sql('schema.sql'));
    // A deterministic 48-bit pseudo-random number per (salt, n); md5 is stable across versions.
    await client.query(`
      CREATE FUNCTION pg_temp.rnd(salt text, n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
      $$ SELECT ('x' || substr(md5('${seed}:' || salt || ':' || n), 1, 12))::bit(48)::bigint $$`);
    const first = `(ARRAY['Olivia','Liam','Emma','Noah','Amelia','Oliver','Sofia','Elijah','Mia','Lucas','Chloé','Mateo','Zoë','Jürgen','Aiko','Ngozi'])`;
    const last = `(ARRAY['Smith','García','Müller','Rossi','Dubois','Kowalski','Nakamura','Okafor','Silva','Jensen','Novak','O''Brien'])`;
    const ts = (salt: string, i: string) =>
      `(timestamptz '2020-01-01 00:00:00+00' + (pg_temp.rnd('${salt}', ${i}) % 157680000000000) * interval '1 microsecond')`;
    await client.query(`
      INSERT INTO public.users
      SELECT i,
        lower(${first}[1 + pg_temp.rnd('fn', i) % 16]) || '.' || i || '@example.com',
        ${first}[1 + pg_temp.rnd('fn', i) % 16] || ' ' || ${last}[1 + pg_temp.rnd('ln', i) % 12],
        '+44 7700 ' || lpad((pg_temp.rnd('ph', i) % 1000000)::text, 6, '0'),
        date '1950-01-01' + (pg_temp.rnd('dob', i) % 20000)::int,
        (ARRAY['GB','DE','FR','ES','US','PL'])[1 + pg_temp.rnd('c', i) % 6],
        (pg_temp.rnd('bal', i) % 100000000)::numeric / 1000000,
        (pg_temp.rnd('lp', i) % 50000)::int,
        (pg_temp.rnd('r', i) % 500)::float8 / 100,
        pg_temp.rnd('m', i) % 2 = 0,
        jsonb_build_object('newsletter', pg_temp.rnd('m', i) % 2 = 0, 'theme', (ARRAY['dark','light'])[1 + pg_temp.rnd('t', i) % 2]),
        md5('pw' || i),
        md5('uuid:${seed}:' || i)::uuid,
        NULL, NULL,
        ${ts('created', 'i')},
        NULL
      FROM generate_series(1, ${users}) AS i`);
    await client.query(`
      INSERT INTO public.addresses
      SELECT i, 1 + pg_temp.rnd('au', i) % ${users}, (ARRAY['home','work','billing'])[1 + i % 3],
        (1 + pg_temp.rnd('an', i) % 200) || ' High Street', (ARRAY['London','Berlin','Paris','Madrid','Warsaw'])[1 + pg_temp.rnd('ac', i) % 5],
        lpad((pg_temp.rnd('ap', i) % 100000)::text, 5, '0'), 'GB'
      FROM generate_series(1, ${n(ROWS_PER_SCALE.addresses)}) AS i`);
    await client.query(`
      INSERT INTO public.orders
      SELECT i, 1 + pg_temp.rnd('ou', i) % ${users}, NULL, (ARRAY['placed','shipped','delivered','refunded'])[1 + pg_temp.rnd('os', i) % 4],
        (pg_temp.rnd('ot', i) % 100000)::numeric / 100, (ARRAY['GBP','EUR','USD'])[1 + pg_temp.rnd('oc', i) % 3], ${ts('placed', 'i')}
      FROM generate_series(1, ${n(ROWS_PER_SCALE.orders)}) AS i`);
    await client.query(`
      INSERT INTO public.payments
      SELECT o.id, a.attempt, o.total, lpad((pg_temp.rnd('pc', o.id) % 10000)::text, 4, '0'),
        a.attempt = 2 OR pg_temp.rnd('px', o.id) % 5 <> 0, o.placed_at + a.attempt * interval '1 minute'
      FROM public.orders o CROSS JOIN LATERAL generate_series(1, CASE WHEN pg_temp.rnd('px', o.id) % 5 = 0 THEN 2 ELSE 1 END) AS a(attempt)`);
    await client.query(`
      INSERT INTO public.support_tickets
      SELECT md5('ticket:${seed}:' || i)::uuid, u.email, CASE WHEN i % 4 = 0 THEN NULL ELSE u.id END,
        (ARRAY['Refund please','Where is my order?','Change my address'])[1 + pg_temp.rnd('ts', i) % 3],
        jsonb_build_object('messages', jsonb_build_array(jsonb_build_object('from', u.email, 'text', 'Hello, this is ' || u.full_name))),
        ${ts('opened', 'i')}
      FROM generate_series(1, ${n(ROWS_PER_SCALE.tickets)}) AS i
      JOIN public.users u ON u.id = 1 + pg_temp.rnd('tu', i) % ${users}`);
    await client.query(`
      INSERT INTO public.events
      SELECT i, 1 + pg_temp.rnd('eu', i) % ${users}, (ARRAY['login','view','add_to_cart','checkout'])[1 + pg_temp.rnd('ek', i) % 4],
        jsonb_build_object('sku', 'SKU-' || pg_temp.rnd('es', i) % 5000), ${ts('occurred', 'i')}
      FROM generate_series(1, ${n(ROWS_PER_SCALE.events)}) AS i`);
    if (options.personas ?? true) await client.query(await sql('personas.sql'));
    await client.query(await sql('indexes.sql'));
  } finally {
    await client.end();
  }
}
