import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { planSearch } from '../../../shared/discovery/planSearch';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { runDsr } from '../../support/cliProgram';
import { openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Customer numbers are per tenant: Ana is customer 42 of tenant A, Ben customer 42 of tenant B.
 * The data map follows orders by the customer number alone (it cannot name the pair), so the
 * value 42 leads to both tenants' orders.
 */
const MAP = `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
  - table: public.orders
    primaryKey: [id]
    follow: { customer_no: public.customers.customer_no }
`;

let db: TestDatabase;
let mapFile: string;

beforeAll(async () => {
  db = await createTestDatabase('follow_guard');
  await db.exec(`
    CREATE TABLE public.customers (id int PRIMARY KEY, tenant text NOT NULL, customer_no int NOT NULL,
      email text NOT NULL, UNIQUE (tenant, customer_no));
    CREATE INDEX ON public.customers (customer_no);
    CREATE TABLE public.orders (id int PRIMARY KEY, tenant text NOT NULL, customer_no int NOT NULL, item text,
      FOREIGN KEY (tenant, customer_no) REFERENCES public.customers (tenant, customer_no));
    CREATE INDEX ON public.orders (customer_no, id);
    INSERT INTO public.customers VALUES (1, 'A', 42, 'ana@x.test'), (2, 'B', 42, 'ben@x.test'),
      (3, 'A', 43, 'cleo@x.test'), (4, 'A', 44, 'dora@x.test'), (5, 'B', 44, 'dora@x.test');
    INSERT INTO public.orders VALUES (10, 'A', 42, 'ana-lamp'), (20, 'B', 42, 'ben-private-order'),
      (30, 'A', 43, 'cleo-chair'), (40, 'A', 44, 'dora-desk'), (50, 'B', 44, 'dora-shelf');`);
  mapFile = join(await mkdtemp(join(tmpdir(), 'dsr-follow-guard-')), 'map.yaml');
  await writeFile(mapFile, MAP);
}, 60_000);

afterAll(async () => {
  await db?.drop();
  if (mapFile) await rm(dirname(mapFile), { recursive: true, force: true });
});

const discover = (email: string, format: string[] = []) =>
  runDsr(['discover', '--datamap', mapFile, '--subject', `email=${email}`, ...format], {
    PG_DSN: db.dsn,
    DSR_SUBJECT_HASH_KEY: 'k'.repeat(32),
    SNOWFLAKE_ACCOUNT: undefined,
  });

describe('Discovery: a followed value other people hold is not followed (PostgreSQL, dsr discover)', () => {
  it("gives Ana her customer row and not Ben's order under the same number, and says what it left out", async () => {
    // Act
    const run = await discover('ana@x.test');

    // Assess
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    const rows = document.findings.map((f: { table: string; row: { id: number } }) => [f.table, f.row.id]);
    expect(rows).toEqual([['public.customers', 1]]);
    expect(run.stdout).not.toContain('ben-private-order');
    expect(run.stdout).not.toContain('ana-lamp');
    expect(document.notFollowed).toEqual([
      {
        column: 'customer_no',
        into: ['postgres:public.orders.customer_no'],
        rows: 2,
        system: 'postgres',
        table: 'public.customers',
        values: 1,
      },
    ]);
    expect(run.stderr).toContain(
      "postgres a value of public.customers.customer_no not followed into postgres:public.orders.customer_no: held by 2 rows of public.customers.customer_no, not all of them known to be the subject's",
    );
    // The note names columns and counts, never the value (Ana's own row, in the findings, holds it).
    expect(run.stderr).not.toContain('42');
    expect(JSON.stringify(document.notFollowed)).not.toContain('42');
  });

  it("follows a number only the subject's rows hold: Cleo's own, and Dora's in both tenants", async () => {
    // Act
    const cleo = JSON.parse((await discover('cleo@x.test')).stdout);
    const dora = JSON.parse((await discover('dora@x.test')).stdout);

    // Assess
    const items = (d: { findings: { table: string; row: { item?: string } }[] }) =>
      d.findings.filter((f) => f.table === 'public.orders').map((f) => f.row.item);
    expect(items(cleo)).toEqual(['cleo-chair']);
    expect(cleo.notFollowed).toBeUndefined();
    expect(items(dora)).toEqual(['dora-desk', 'dora-shelf']);
    expect(dora.notFollowed).toBeUndefined();
  });
});

describe('Command: dsr datamap validate --live, for the follow guard', () => {
  it("asks for an index on the followed column the guard counts, and not on a key's", async () => {
    // Prepare: no index leads with customer_no (the unique (tenant, customer_no) one can serve it as a
    // condition on its second column, so it goes too, with the foreign key that needs it).
    await db.exec(`ALTER TABLE public.orders DROP CONSTRAINT orders_tenant_customer_no_fkey;
      ALTER TABLE public.customers DROP CONSTRAINT customers_tenant_customer_no_key;
      DROP INDEX public.customers_customer_no_idx;`);
    try {
      // Act
      const run = await runDsr(['datamap', 'validate', mapFile, '--live'], {
        PG_DSN: db.dsn,
        SNOWFLAKE_ACCOUNT: undefined,
      });

      // Assess
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        'warning: public.customers.customer_no (counted by the follow guard for public.orders.customer_no): no index serves the search ("customer_no")',
      );
      expect(run.stderr).toContain('CREATE INDEX ON "public"."customers" ("customer_no");');
      expect(run.stderr).not.toContain('public.orders.customer_no (follow');
    } finally {
      await db.exec(`CREATE INDEX ON public.customers (customer_no);
        ALTER TABLE public.customers ADD UNIQUE (tenant, customer_no);
        ALTER TABLE public.orders ADD FOREIGN KEY (tenant, customer_no) REFERENCES public.customers (tenant, customer_no);`);
    }
  });
});

describe('Catalog check: a follower that compares more loosely than the column it follows', () => {
  it('refuses citext, a case-insensitive collation, an integer or character(n) after text, and a followed value that is never carried; accepts exact text and numbers', async () => {
    // Prepare: Ana's code is `abc`, Ben's `ABC`; Ana's number `007`, Ben's `7`; a follower of each kind.
    const loose = await createTestDatabase('follow_loose');
    try {
      await loose.exec(`CREATE EXTENSION IF NOT EXISTS citext;
        CREATE COLLATION IF NOT EXISTS ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
        CREATE TABLE public.customers (id int PRIMARY KEY, email text NOT NULL, code text, num text, fee money,
          seq bigint, code_ci text COLLATE ci, at timestamptz, flag boolean, doc jsonb);
        CREATE TABLE public.orders (id int PRIMARY KEY, code citext, code_ci text COLLATE ci, num int,
          code_fixed character(6), fee numeric, code_exact varchar(20), seq numeric, code_same_ci text COLLATE ci,
          at timestamptz, flag boolean, doc jsonb);
        INSERT INTO public.customers VALUES (1, 'ana@x.test', 'abc', '007', 12.5, 1, 'abc'),
          (2, 'ben@x.test', 'ABC', '7', 12.5, 2, 'ABC');
        INSERT INTO public.orders VALUES (20, 'ABC', 'ABC', 7, 'ABC', 12.5, 'ABC', 2, 'ABC');`);
      // Followed columns whose values never reach a follower (no carried text, or another one).
      const blind = 'at: public.customers.at, flag: public.customers.flag, doc: public.customers.doc';
      const follows = (columns: string) => `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
  - table: public.orders
    primaryKey: [id]
    follow: { ${columns} }
`;
      const dir = await mkdtemp(join(tmpdir(), 'dsr-follow-loose-'));
      const validate = async (yaml: string) => {
        const file = join(dir, 'map.yaml');
        await writeFile(file, yaml);
        return runDsr(['datamap', 'validate', file, '--live'], {
          PG_DSN: loose.dsn,
          SNOWFLAKE_ACCOUNT: undefined,
        });
      };

      // Act
      const refused = await validate(
        follows(
          `code: public.customers.code, code_ci: public.customers.code, num: public.customers.num, code_fixed: public.customers.code, fee: public.customers.fee, ${blind}`,
        ),
      );
      const accepted = await validate(
        follows(
          'code_exact: public.customers.code, seq: public.customers.seq, code_same_ci: public.customers.code_ci',
        ),
      );
      await rm(dir, { recursive: true, force: true });

      // Assess
      expect(refused.code).toBe(1);
      for (const line of [
        'postgres[1].follow.code: public.orders.code (citext) compares values case-insensitively, more loosely than public.customers.code (text) does',
        'postgres[1].follow.code_ci: public.orders.code_ci (text) compares values under a nondeterministic collation (case- or accent-insensitive), more loosely than public.customers.code (text) does',
        'postgres[1].follow.num: public.orders.num (integer) compares values as numbers (007 equals 7), more loosely than public.customers.num (text) does',
        'postgres[1].follow.code_fixed: public.orders.code_fixed (character(6)) compares values ignoring trailing spaces, more loosely than public.customers.code (text) does',
        'postgres[1].follow.fee: public.customers.fee (money) cannot be followed: its values are carried in their canonical form, which is not the text PostgreSQL prints for money, so public.orders.fee would find nothing and say nothing',
        'postgres[1].follow.at: public.customers.at (timestamp with time zone) cannot be followed: its values are carried in their canonical form',
        'postgres[1].follow.flag: public.customers.flag (boolean) cannot be followed: a boolean value is not carried',
        'postgres[1].follow.doc: public.customers.doc (jsonb) cannot be followed: a JSON document is not carried',
      ])
        expect(refused.stderr).toContain(line);
      expect(accepted.code).toBe(0);
    } finally {
      await loose.drop();
    }
  });
});

describe('Method: PostgresTableSearcher.countRows', () => {
  it('counts many values in statements of at most 100 values, each value exactly', async () => {
    // Prepare: 250 numbers, each customer number held once but 42 (twice).
    const database = openDatabase(db.dsn);
    try {
      const map = parseDataMap(MAP, 'map.yaml');
      const searcher = await PostgresTableSearcher.create(database, map, 'map.yaml');
      const customers = planSearch(map).find((t) => t.table === 'public.customers');
      if (!customers) throw new Error('the plan has customers');
      const statements: unknown[][] = [];
      const queryRaw = database.queryRaw.bind(database);
      database.queryRaw = (text, values, options) => {
        if (text.includes('unnest')) statements.push(values ?? []);
        return queryRaw(text, values, options);
      };
      const values = Array.from({ length: 250 }, (_, i) => String(i + 1));

      // Act
      const counts = await searcher.countRows(
        customers,
        { column: 'customer_no', normalize: 'none' },
        values,
        1000,
      );

      // Assess
      expect(statements.map((p) => (p[0] as unknown[]).length)).toEqual([100, 100, 50]);
      expect(counts.get('42')).toBe(2);
      expect(counts.get('43')).toBe(1);
      expect(counts.get('250')).toBe(0);
    } finally {
      await database.end();
    }
  });
});

describe('Catalog: a column of a domain over a domain', () => {
  it('is read as its base type, so the guard counts it without the domain CHECK a value may fail', async () => {
    // Prepare: `code` is of d2, a domain over the domain d1 over text, whose CHECK (added NOT VALID)
    // the stored value fails; orders follow it by a text column.
    const nested = await createTestDatabase('follow_nested_domain');
    const dir = await mkdtemp(join(tmpdir(), 'dsr-nested-'));
    try {
      await nested.exec(`CREATE DOMAIN d1 AS text; CREATE DOMAIN d2 AS d1;
        CREATE TABLE public.customers (id int PRIMARY KEY, email text NOT NULL, code d2);
        CREATE TABLE public.orders (id int PRIMARY KEY, code text, item text);
        INSERT INTO public.customers VALUES (1, 'ana@x.test', 'secret-code-ana');
        INSERT INTO public.orders VALUES (10, 'secret-code-ana', 'lamp');
        ALTER DOMAIN d2 ADD CONSTRAINT short CHECK (length(VALUE) < 5) NOT VALID;`);
      const file = join(dir, 'map.yaml');
      await writeFile(
        file,
        `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
  - table: public.orders
    primaryKey: [id]
    follow: { code: public.customers.code }
`,
      );

      // Act
      const run = await runDsr(['discover', '--datamap', file, '--subject', 'email=ana@x.test'], {
        PG_DSN: nested.dsn,
        DSR_SUBJECT_HASH_KEY: 'k'.repeat(32),
        SNOWFLAKE_ACCOUNT: undefined,
      });

      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).counts).toEqual({
        postgres: { 'public.customers': 1, 'public.orders': 1 },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await nested.drop();
    }
  });
});
