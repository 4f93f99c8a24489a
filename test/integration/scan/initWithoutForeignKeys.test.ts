import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkDataMapStructure } from '../../../shared/datamap/checkDataMapStructure';
import { dataMapWarnings } from '../../../shared/datamap/dataMapWarnings';
import { loadDataMap, parseDataMap } from '../../../shared/datamap/loadDataMap';
import type { InitialDataMap } from '../../../shared/datamapInit/InitialDataMap';
import { initDataMap } from '../../../shared/datamapInit/initDataMap';
import { measureOverlap } from '../../../shared/datamapInit/measureOverlap';
import { renderInitialDataMap } from '../../../shared/datamapInit/renderInitialDataMap';
import { checkPostgresCatalog } from '../../../shared/postgres/checkPostgresCatalog';
import { DsnCredentialSource } from '../../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { discoverWith } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * A third party's schema as real applications have them: no foreign-key constraint anywhere, one
 * table referred to by four columns of three tables, a keyless table, rows that mention several
 * people, a column named like a reference whose values are not in the table it names.
 */
const SCHEMA = `
  CREATE SCHEMA biz;
  CREATE TABLE biz.countries (id int PRIMARY KEY, label text);
  CREATE TABLE biz.address (id int PRIMARY KEY, street text, city text, postcode text);
  CREATE TABLE biz.customers (
    id int PRIMARY KEY, email text, full_name text, phone text, address_id int, country_id int,
    referred_by_customer_id int
  );
  CREATE TABLE biz.employees (employee_id int PRIMARY KEY, work_email text, last_name text, address_id int);
  CREATE TABLE biz.payment_cards (id int PRIMARY KEY, customer_id int, card_no text, expiry text);
  CREATE TABLE biz.orders (
    id int PRIMARY KEY, customer_id int, billing_address_id int, shipping_address_id int,
    payment_card_id int, legacy_customer_id int, total numeric(10, 2)
  );
  CREATE TABLE biz.logins (id bigint PRIMARY KEY, customer_id int, ip inet, password_hash text);
  CREATE TABLE biz.visits (login_id bigint, page text);
  CREATE TABLE biz.service_requests (id int PRIMARY KEY, email text, alt_email text, employee_id int, topic text);
  CREATE TABLE biz.reports (id int PRIMARY KEY, employee_id int, title text);
`;

// Visa numbers (prefix 4) with a valid Luhn digit, computed in SQL so no card number is spelled here.
const SEED = `
  INSERT INTO biz.countries SELECT i, 'Country ' || i FROM generate_series(1, 3) i;
  INSERT INTO biz.address SELECT i, (i % 90 + 1) || ' Harbour Road', 'Leeds', 'LS' || (i % 9 + 1) || ' 4AB'
    FROM generate_series(101, 130) i
    UNION ALL SELECT i, (i % 90 + 1) || ' Mill Lane', 'York', 'YO' || (i % 9 + 1) || ' 7CD'
    FROM generate_series(201, 210) i
    UNION ALL SELECT i, (i % 90 + 1) || ' Station Street', 'Hull', 'HU' || (i % 9 + 1) || ' 2EF'
    FROM generate_series(301, 370) i;
  INSERT INTO biz.customers
    SELECT i, 'cust' || i || '@shopper-example.org', 'Customer ' || i, '+44 7700 9' || lpad(i::text, 5, '0'),
           100 + i, i % 3 + 1, CASE WHEN i > 1 THEN i - 1 END
    FROM generate_series(1, 30) i;
  INSERT INTO biz.employees
    SELECT 500 + j, 'staff' || j || '@company-example.com', 'Staffer' || j, 200 + j FROM generate_series(1, 10) j;
  INSERT INTO biz.payment_cards
    SELECT 700 + i, i, '4' || lpad((i * 7919)::text, 14, '0') || '0', '12/29' FROM generate_series(1, 30) i;
  UPDATE biz.payment_cards SET card_no = left(card_no, 15) || (
    SELECT (10 - sum(CASE WHEN k % 2 = 1 THEN (d * 2) / 10 + (d * 2) % 10 ELSE d END) % 10) % 10
    FROM (SELECT k, substr(left(card_no, 15), 16 - k, 1)::int AS d FROM generate_series(1, 15) k) digits
  );
  INSERT INTO biz.orders
    SELECT k, k % 30 + 1, 300 + k, 335 + k, 700 + (k % 30) + 1, 900000 + k, k * 3.5
    FROM generate_series(1, 35) k;
  INSERT INTO biz.logins SELECT i, i % 30 + 1, ('203.0.113.' || i)::inet, md5(i::text) FROM generate_series(1, 60) i;
  INSERT INTO biz.visits SELECT i % 60 + 1, '/page/' || i FROM generate_series(1, 200) i;
  INSERT INTO biz.service_requests
    SELECT i, 'requester' || i || '@mail-example.net', 'other' || i || '@mail-example.net', 500 + i % 10 + 1, 'refund'
    FROM generate_series(1, 25) i;
  INSERT INTO biz.reports SELECT i, 500 + i % 10 + 1, 'Quarterly ' || i FROM generate_series(1, 12) i;
  ANALYZE;
`;

let test: TestDatabase;
let db: PgDatabase;
let proposal: InitialDataMap;
let yaml: string;
// biome-ignore lint/suspicious/noExplicitAny: the rendered YAML is read as a plain document
let doc: any;

beforeAll(async () => {
  test = await createTestDatabase('init_nofk');
  await test.exec(SCHEMA);
  await test.exec(SEED);
  db = new PgDatabase({ credentials: new DsnCredentialSource(test.dsn) });
  proposal = await initDataMap(db, { schemas: ['biz'] });
  yaml = renderInitialDataMap(proposal, 'the PostgreSQL catalog');
  doc = parse(yaml);
});

/** Temporary directories the cases write to, removed when the file ends. */
const tempDirs: string[] = [];

afterAll(async () => {
  await db?.end();
  await test?.drop();
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

// biome-ignore lint/suspicious/noExplicitAny: see above
const table = (name: string): any => doc.postgres.find((t: { table: string }) => t.table === name);

const nameEdge = (column: string, target: string, n: number) =>
  `proposed from name ${column} -> ${target}; ${n}/${n} sampled values found (100 %)`;

describe('Function: initDataMap on a schema without foreign keys', () => {
  it('proposes every reference its names and values support, each in the direction the search needs', () => {
    expect(table('biz.orders').follow).toEqual({
      customer_id: 'biz.customers.id',
      payment_card_id: 'biz.payment_cards.id',
    });
    expect(table('biz.payment_cards').follow).toEqual({ customer_id: 'biz.customers.id' });
    expect(table('biz.logins').follow).toEqual({ customer_id: 'biz.customers.id' });
    expect(table('biz.visits').follow).toEqual({ login_id: 'biz.logins.id' });
    expect(table('biz.reports').follow).toEqual({ employee_id: 'biz.employees.employee_id' });
    expect(table('biz.service_requests').follow).toEqual({ employee_id: 'biz.employees.employee_id' });
    // The address is reached through the four columns that refer to it, so it follows them.
    expect(table('biz.address').follow).toEqual({
      id: [
        'biz.customers.address_id',
        'biz.employees.address_id',
        'biz.orders.billing_address_id',
        'biz.orders.shipping_address_id',
      ],
    });
    expect(table('biz.customers').follow).toBeUndefined();
    expect(table('biz.employees').follow).toBeUndefined();
  });

  it('marks each proposed edge with its evidence: the name and how many sampled values were found', () => {
    // Each edge's comment ends with its measured fan-out (rows per key).
    const lines = yaml
      .split('\n')
      .map((l) => l.trim().replace(/; fan-out median \d+, p99 \d+, max \d+ rows per key \([^)]*\)$/, ''));
    expect(yaml).toContain('fan-out median 2, p99 2, max 2 rows per key (3.3 % of 60 rows)');
    expect(lines).toEqual(
      expect.arrayContaining([
        `customer_id: biz.customers.id # ${nameEdge('customer_id', 'customers.id', 30)}`,
        `payment_card_id: biz.payment_cards.id # ${nameEdge('payment_card_id', 'payment_cards.id', 30)}`,
        `login_id: biz.logins.id # ${nameEdge('login_id', 'logins.id', 60)}`,
        `employee_id: biz.employees.employee_id # ${nameEdge('employee_id', 'employees.employee_id', 10)}`,
        `- biz.customers.address_id # ${nameEdge('address_id', 'address.id', 30)}`,
        `- biz.employees.address_id # ${nameEdge('address_id', 'address.id', 10)}`,
        `- biz.orders.billing_address_id # ${nameEdge('billing_address_id', 'address.id', 35)}`,
        `- biz.orders.shipping_address_id # ${nameEdge('shipping_address_id', 'address.id', 35)}`,
      ]),
    );
    // Every follow entry carries a comment: 11 edges, 11 lines of evidence.
    const edges = doc.postgres.flatMap((t: { follow?: Record<string, string | string[]> }) =>
      Object.values(t.follow ?? {}).flat(),
    );
    expect(edges).toHaveLength(11);
    expect(lines.filter((l) => l.includes(' # proposed from name '))).toHaveLength(11);
  });

  it('does not propose a column named like a reference whose values are not in the table it names', () => {
    expect(table('biz.orders').follow).not.toHaveProperty('legacy_customer_id');
    expect(yaml).toContain(
      '# legacy_customer_id is not followed: its name suggests customers.id but only 0/35 sampled values found (0 %)',
    );
  });

  it('does not follow a table to itself, nor a lookup table that holds no personal data', () => {
    expect(yaml).toContain(
      "# referred_by_customer_id is not followed: it refers to its own table, and would reach other people's rows",
    );
    expect(doc.postgres.map((t: { table: string }) => t.table)).not.toContain('biz.countries');
    expect(yaml).toMatch(/^# {3}biz\.countries: referred to by biz\.customers but holds no personal data/m);
  });

  it('takes identity kinds from e-mail and phone columns and from the keys of tables of people, never from *_id names', () => {
    expect(doc.identities).toEqual({
      customer_id: { normalize: 'none' },
      email: { normalize: 'lowercase' },
      employee_id: { normalize: 'none' },
      phone: { normalize: 'digits' },
    });
    expect(table('biz.customers').identities).toEqual({ customer_id: 'id', email: 'email', phone: 'phone' });
    expect(table('biz.employees').identities).toEqual({ employee_id: 'employee_id', email: 'work_email' });
    // Several columns of one kind in a table that mentions several people.
    expect(table('biz.service_requests').identities).toEqual({ email: ['email', 'alt_email'] });
    for (const name of [
      'biz.orders',
      'biz.payment_cards',
      'biz.logins',
      'biz.visits',
      'biz.reports',
      'biz.address',
    ])
      expect(table(name).identities).toBeUndefined();
  });

  it('proposes learn only on one-person-per-row tables', () => {
    const learning = doc.postgres
      .filter((t: { learn?: string[] }) => t.learn)
      .map((t: { table: string; learn: string[] }) => [t.table, t.learn]);
    expect(learning).toEqual([
      ['biz.customers', ['customer_id', 'email', 'phone']],
      ['biz.employees', ['email', 'employee_id']],
    ]);
    expect(yaml).toContain(
      'learn: [customer_id, email, phone] # one person per row; learns customer_id: unique index customers_pkey; ' +
        'learns email (email): no repeated value among 30 sampled values; learns phone (phone): no repeated value among 30 sampled values',
    );
  });

  it('includes the keyless table without a primary key, and the tables reached only through proposed edges', () => {
    expect(table('biz.visits')).toEqual({
      table: 'biz.visits',
      follow: { login_id: 'biz.logins.id' },
      disclosure: expect.objectContaining({ title: expect.stringMatching(/^TODO/) }),
    });
    expect(yaml).toContain('# no primary key: searched without one, each found row listed in full');
    expect(doc.postgres.map((t: { table: string }) => t.table)).toEqual([
      'biz.address',
      'biz.customers',
      'biz.employees',
      'biz.logins',
      'biz.orders',
      'biz.payment_cards',
      'biz.reports',
      'biz.service_requests',
      'biz.visits',
    ]);
    expect(proposal.leftOut.map((t) => t.table)).toEqual(['biz.countries']);
  });

  it('names the categories of personal data the detectors recognise', () => {
    expect(table('biz.payment_cards').categories).toEqual({ card_no: 'financial.card' });
    expect(table('biz.address').categories).toEqual({
      street: 'contact.address',
      postcode: 'contact.address',
    });
    expect(table('biz.logins').categories).toEqual({ ip: 'online.ip_address' });
    expect(table('biz.logins').exclude).toEqual(['password_hash']);
    expect(yaml).toContain(
      'card_no: financial.card # 30 of 30 sampled values look like payment card numbers, as the name suggests',
    );
  });

  it('writes no sampled value, only counts', async () => {
    const values = await test.exec(`
      SELECT email AS v FROM biz.customers UNION ALL SELECT phone FROM biz.customers
      UNION ALL SELECT card_no FROM biz.payment_cards UNION ALL SELECT street FROM biz.address
      UNION ALL SELECT host(ip) FROM biz.logins UNION ALL SELECT alt_email FROM biz.service_requests
      UNION ALL SELECT work_email FROM biz.employees UNION ALL SELECT legacy_customer_id::text FROM biz.orders`);
    const planted = values.rows.map((r: { v: string }) => r.v);
    expect(planted.length).toBeGreaterThan(300);
    expect(planted.filter((v) => yaml.includes(v))).toEqual([]);
  });

  it('loads as a data map that passes the structural and live-catalog checks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dsr-init-nofk-'));
    tempDirs.push(dir);
    const file = join(dir, 'proposed.yaml');
    await writeFile(file, yaml);
    const map = await loadDataMap(file);
    expect(checkDataMapStructure(map)).toEqual([]);
    // Learning only where each row is one person, never through a follow edge.
    expect(dataMapWarnings(map)).toEqual([]);
    expect(checkPostgresCatalog(map, await readPgCatalog(db, ['biz']))).toEqual([]);
    expect(map.postgres.map((t) => t.table)).toHaveLength(9);
  });

  it('gives the same proposal for the same data', async () => {
    const again = renderInitialDataMap(await initDataMap(db, { schemas: ['biz'] }), 'the PostgreSQL catalog');
    expect(again).toBe(yaml);
  });
});

describe('Discovery with the proposed map', () => {
  it('finds a customer across the tables the proposal connects, and nothing of other people', async () => {
    const map = parseDataMap(yaml, 'proposed.yaml');
    const { document } = await discoverWith(db, map, { email: ['Cust5@Shopper-Example.org'] });
    expect(document.counts.postgres).toEqual({
      'biz.address': 5, // own address, two orders' billing and shipping addresses
      'biz.customers': 1,
      'biz.employees': 0,
      'biz.logins': 2,
      'biz.orders': 2,
      'biz.payment_cards': 1,
      'biz.reports': 0,
      'biz.service_requests': 0,
      'biz.visits': 7, // keyless, reached through the logins
    });
  });

  it('finds an employee with the requests and reports they handled and their address', async () => {
    const map = parseDataMap(yaml, 'proposed.yaml');
    const { document } = await discoverWith(db, map, { email: ['staff3@company-example.com'] });
    expect(document.counts.postgres).toMatchObject({
      'biz.address': 1,
      'biz.customers': 0,
      'biz.employees': 1,
      'biz.orders': 0,
      'biz.reports': 2,
      'biz.service_requests': 3,
    });
  });
});

describe('Function: measureOverlap', () => {
  it('samples a large table by pages with a fixed seed, bounded and the same each time', async () => {
    await test.exec(`
      CREATE TABLE biz.page_views (id int PRIMARY KEY, login_id bigint, path text);
      INSERT INTO biz.page_views SELECT i, i % 60 + 1, '/p/' || i FROM generate_series(1, 30000) i;
      ANALYZE biz.page_views;`);
    const statements: string[] = [];
    const recording = {
      withClient: <T>(work: (client: never) => Promise<T>) =>
        db.withClient((client) =>
          work(
            new Proxy(client, {
              get: (target, key) =>
                key === 'query'
                  ? (text: string, values?: unknown[]) => {
                      statements.push(text);
                      return target.query(text, values);
                    }
                  : Reflect.get(target, key),
            }) as never,
          ),
        ),
    } as unknown as PgDatabase;
    const reference = {
      table: 'biz.page_views',
      column: 'login_id',
      target: 'biz.logins',
      targetColumn: 'id',
    };
    const first = await measureOverlap(recording, reference, { sample: 20, estimatedRows: 30000 });
    const second = await measureOverlap(recording, reference, { sample: 20, estimatedRows: 30000 });
    expect(first).toEqual({ sampled: 20, found: 20 });
    expect(second).toEqual(first);
    const sampling = statements.filter((s) => s.includes('TABLESAMPLE SYSTEM ($2) REPEATABLE (0)'));
    expect(sampling).toHaveLength(2);
    expect(statements.filter((s) => s.includes('SELECT count(*)'))).toHaveLength(2);
    expect(statements.filter((s) => s.startsWith('BEGIN READ ONLY'))).toHaveLength(2);
  });

  it('counts only values found in the target column', async () => {
    const overlap = await measureOverlap(
      db,
      { table: 'biz.orders', column: 'legacy_customer_id', target: 'biz.customers', targetColumn: 'id' },
      { sample: 10, estimatedRows: 35 },
    );
    expect(overlap).toEqual({ sampled: 10, found: 0 });
    const partial = await measureOverlap(
      db,
      { table: 'biz.reports', column: 'id', target: 'biz.customers', targetColumn: 'id' },
      { sample: 200, estimatedRows: 12 },
    );
    expect(partial).toEqual({ sampled: 12, found: 12 });
  });
});
