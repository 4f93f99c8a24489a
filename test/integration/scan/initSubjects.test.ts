import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { CliError } from '../../../cli/CliError';
import { registerDatamapInit } from '../../../cli/commands/datamapInit';
import { registerDatamapPreview } from '../../../cli/commands/datamapPreview';
import { checkDataMapStructure } from '../../../shared/datamap/checkDataMapStructure';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { dataMapWarnings } from '../../../shared/datamap/dataMapWarnings';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { initDataMap } from '../../../shared/datamapInit/initDataMap';
import { renderInitialDataMap } from '../../../shared/datamapInit/renderInitialDataMap';
import { formatPreview } from '../../../shared/datamapPreview/formatPreview';
import { previewDataMap } from '../../../shared/datamapPreview/previewDataMap';
import { subjectHash } from '../../../shared/identity/subjectHash';
import { checkPostgresCatalog } from '../../../shared/postgres/checkPostgresCatalog';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { discoverWith, openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { restoreEnv } from '../../support/environment';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Shapes on which a first data map used to hand one person another's rows: staff ids on every
 * transaction table (2 staff, 2,000 customers), an address table customers and staff refer to with
 * a household address two customers share, two employees sharing an office number, a supplier and
 * a carrier sharing one number, a partitioned table whose parent has no key, an empty table
 * without foreign keys. Each is proposed by init and used as proposed, without a hand edit.
 */
const SCHEMA = `
  CREATE SCHEMA rent;
  CREATE TABLE rent.address (address_id int PRIMARY KEY, address text NOT NULL, district text, phone text);
  CREATE TABLE rent.customer (customer_id int PRIMARY KEY, first_name text, last_name text, email text,
    address_id int NOT NULL REFERENCES rent.address);
  CREATE TABLE rent.staff (staff_id int PRIMARY KEY, first_name text, last_name text, email text,
    address_id int NOT NULL REFERENCES rent.address);
  CREATE TABLE rent.rental (rental_id int PRIMARY KEY, rental_date date NOT NULL,
    customer_id int NOT NULL REFERENCES rent.customer, staff_id int NOT NULL REFERENCES rent.staff);
  CREATE TABLE rent.payment (payment_id int PRIMARY KEY, customer_id int NOT NULL REFERENCES rent.customer,
    staff_id int NOT NULL REFERENCES rent.staff, rental_id int REFERENCES rent.rental, amount numeric(5, 2));
  INSERT INTO rent.address
    SELECT i, i || ' Elm Street', 'District ' || (i % 40), '555-01' || lpad(i::text, 4, '0') FROM generate_series(1, 2002) i;
  -- Customers 1 and 2 share household address 1; the staff live at 2001 and 2002.
  INSERT INTO rent.customer
    SELECT i, 'First' || i, 'Last' || i, 'customer' || i || '@renter-example.org', CASE WHEN i = 2 THEN 1 ELSE i END
    FROM generate_series(1, 2000) i;
  INSERT INTO rent.staff VALUES (1, 'Mia', 'Stone', 'mia.stone@store-example.com', 2001),
                                (2, 'Jon', 'Reed', 'jon.reed@store-example.com', 2002);
  INSERT INTO rent.rental SELECT k, date '2026-01-01' + k % 300, k % 2000 + 1, k % 2 + 1 FROM generate_series(1, 6000) k;
  INSERT INTO rent.payment SELECT k, k % 2000 + 1, k % 2 + 1, k, 2.99 FROM generate_series(1, 6000) k;

  CREATE SCHEMA office;
  CREATE TABLE office.employees (employee_id int PRIMARY KEY, email text UNIQUE, phone text, full_name text);
  CREATE TABLE office.timesheets (id int PRIMARY KEY, employee_id int NOT NULL REFERENCES office.employees, hours int);
  INSERT INTO office.employees
    SELECT i, 'emp' || i || '@office-example.com',
           CASE WHEN i <= 2 THEN '+44 20 7946 0000' ELSE '+44 20 7946 ' || lpad(i::text, 4, '0') END, 'Employee ' || i
    FROM generate_series(1, 20) i;
  INSERT INTO office.timesheets SELECT k, k % 20 + 1, 8 FROM generate_series(1, 100) k;

  CREATE SCHEMA trade;
  CREATE TABLE trade.suppliers (supplier_id int PRIMARY KEY, company text, contact_email text, phone text);
  CREATE TABLE trade.shippers (shipper_id int PRIMARY KEY, company text, phone text);
  CREATE TABLE trade.products (product_id int PRIMARY KEY, supplier_id int NOT NULL REFERENCES trade.suppliers, name text);
  CREATE TABLE trade.customers (customer_id int PRIMARY KEY, email text);
  CREATE TABLE trade.orders (order_id int PRIMARY KEY, customer_id int NOT NULL REFERENCES trade.customers,
    ship_via int NOT NULL REFERENCES trade.shippers);
  CREATE TABLE trade.order_lines (order_id int REFERENCES trade.orders, line_no int, product text, PRIMARY KEY (order_id, line_no));
  -- Supplier 1 and shipper 2 share one number, written two ways.
  INSERT INTO trade.suppliers
    SELECT i, 'Supplier ' || i, 'sales' || i || '@supplier-example.com',
           CASE WHEN i = 1 THEN '(503) 555-9931' ELSE '(503) 555-01' || lpad(i::text, 2, '0') END
    FROM generate_series(1, 5) i;
  INSERT INTO trade.shippers VALUES (1, 'Speedy', '(503) 555-7001'), (2, 'United', '503.555.9931'), (3, 'Federal', '(503) 555-7003');
  INSERT INTO trade.products SELECT k, k % 5 + 1, 'Product ' || k FROM generate_series(1, 40) k;
  INSERT INTO trade.customers SELECT i, 'buyer' || i || '@shop-example.net' FROM generate_series(1, 100) i;
  INSERT INTO trade.orders SELECT k, k % 100 + 1, k % 3 + 1 FROM generate_series(1, 300) k;
  INSERT INTO trade.order_lines SELECT k, l, 'Product ' || (k + l) % 40 FROM generate_series(1, 300) k, generate_series(1, 2) l;

  CREATE SCHEMA part;
  CREATE TABLE part.members (member_id int PRIMARY KEY, email text);
  CREATE TABLE part.events (event_id bigint NOT NULL, member_id int NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
  CREATE TABLE part.events_2025 PARTITION OF part.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE part.events_2026 PARTITION OF part.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  ALTER TABLE part.events_2025 ADD PRIMARY KEY (event_id);
  ALTER TABLE part.events_2026 ADD PRIMARY KEY (event_id);
  INSERT INTO part.members SELECT i, 'member' || i || '@club-example.org' FROM generate_series(1, 50) i;
  INSERT INTO part.events SELECT k, k % 50 + 1, date '2025-06-01' + (k * 7) % 365, 'visit' FROM generate_series(1, 400) k;

  CREATE SCHEMA logs;
  CREATE TABLE logs.accounts (id int PRIMARY KEY, email text);
  CREATE TABLE logs.sessions (id int PRIMARY KEY, account_id int, started_at date);
  CREATE TABLE logs.login_attempts (id int PRIMARY KEY, account_id int, at date);
  CREATE TABLE logs.audit_trail (at date, message text);
  INSERT INTO logs.accounts SELECT i, 'user' || i || '@app-example.io' FROM generate_series(1, 30) i;
  INSERT INTO logs.sessions SELECT k, k % 30 + 1, date '2026-02-01' FROM generate_series(1, 90) k;
  ANALYZE;
`;

let test: TestDatabase;
let db: PgDatabase;
const yamlOf = new Map<string, string>();
const mapOf = new Map<string, DataMap>();
const dirs: string[] = [];
/** A temporary directory removed after the file's tests. */
const tempDir = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  test = await createTestDatabase('init_subjects');
  await test.exec(SCHEMA);
  db = openDatabase(test.dsn);
  for (const schema of ['rent', 'office', 'trade', 'part', 'logs']) {
    const yaml = renderInitialDataMap(await initDataMap(db, { schemas: [schema] }), 'the PostgreSQL catalog');
    yamlOf.set(schema, yaml);
    mapOf.set(schema, parseDataMap(yaml, `${schema}.yaml`));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await db?.end();
  await test?.drop();
});

/** Discovers with the proposed map as it is, and returns table → sorted keys of the rows found. */
async function rowsFor(schema: string, identifiers: Record<string, string[]>) {
  const { document } = await discoverWith(db, mapOf.get(schema) as DataMap, identifiers);
  const found: Record<string, string[]> = {};
  for (const f of document.findings)
    found[f.table] = [...(found[f.table] ?? []), Object.values(f.key as Record<string, unknown>).join('/')];
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: the rendered YAML read as a plain document
const entry = (schema: string, table: string): any =>
  parse(yamlOf.get(schema) ?? '').postgres.find((t: { table: string }) => t.table === table);
const lines = (schema: string) => (yamlOf.get(schema) ?? '').split('\n').map((l) => l.trim());

describe('Function: initDataMap on shapes that mix subjects and workforce', () => {
  it('proposes maps that pass the structural and live-catalog checks without learning warnings', async () => {
    for (const [schema, map] of mapOf) {
      expect(checkDataMapStructure(map), schema).toEqual([]);
      expect(dataMapWarnings(map), schema).toEqual([]);
      expect(checkPostgresCatalog(map, await readPgCatalog(db, [schema])), schema).toEqual([]);
    }
  });

  it('follows the customer side of every transaction table and writes the staff side commented out, with its fan-out', () => {
    expect(entry('rent', 'rent.rental').follow).toEqual({ customer_id: 'rent.customer.customer_id' });
    expect(entry('rent', 'rent.payment').follow).toEqual({
      customer_id: 'rent.customer.customer_id',
      rental_id: 'rent.rental.rental_id',
    });
    expect(lines('rent')).toEqual(
      expect.arrayContaining([
        '# staff_id is not followed to rent.staff.staff_id: the workforce side (decided by names and fan-out); following it would hand one staff the rows of everyone they handled',
        '#   follow: { staff_id: rent.staff.staff_id }  # foreign key rental_staff_id_fkey; fan-out median 3000, p99 3000, max 3000 rows per key (50 % of 6000 rows)',
        'customer_id: rent.customer.customer_id # foreign key rental_customer_id_fkey; fan-out median 3, p99 3, max 3 rows per key (0.1 % of 6000 rows)',
      ]),
    );
  });

  it('decides the workforce side by fan-out where the names say nothing', () => {
    expect(entry('trade', 'trade.orders').follow).toEqual({ customer_id: 'trade.customers.customer_id' });
    expect(lines('trade')).toContain(
      '# ship_via is not followed to trade.shippers.shipper_id: the workforce side (decided by fan-out); following it would hand one shipper the rows of everyone they handled',
    );
  });

  it('learns only values unique per row, and says on what evidence', () => {
    expect(entry('rent', 'rent.customer').learn).toEqual(['customer_id', 'email']);
    expect(yamlOf.get('rent')).toContain(
      'learn: [customer_id, email] # one person per row; learns customer_id: unique index customer_pkey; learns email (email): no repeated value among 2000 sampled values',
    );
    // A number two employees share is mapped and learned all the same: at run time neither a
    // request by it nor a value learned from it is searched (the request and learning guards).
    expect(entry('office', 'office.employees')).toMatchObject({
      identities: { employee_id: 'employee_id', email: 'email', phone: 'phone' },
      learn: ['email', 'employee_id', 'phone'],
    });
    expect(yamlOf.get('office')).toContain(
      'learns phone (phone): 10 % of sampled values repeat (2 of 20), so a value two rows hold is neither searched for a request nor followed (the request and learning guards)',
    );
    // A number a supplier and a carrier share is learned by neither, and searched in neither.
    expect(entry('trade', 'trade.suppliers').identities).toEqual({
      supplier_id: 'supplier_id',
      email: 'contact_email',
    });
    expect(entry('trade', 'trade.shippers').identities).toEqual({ shipper_id: 'shipper_id' });
    expect(lines('trade')).toContain(
      '# phone (phone) is not learned nor searched here: its values also appear in trade.shippers.phone (1 of 5 sampled values); a value two rows share identifies no one',
    );
  });

  it('follows an address from every column that points at it, and learns nothing from it', () => {
    const address = entry('rent', 'rent.address');
    expect(address.follow).toEqual({ address_id: ['rent.customer.address_id', 'rent.staff.address_id'] });
    expect(address.identities).toBeUndefined();
    expect(address.learn).toBeUndefined();
    expect(lines('rent')).toContain(
      "# holds the details of whoever points at it (rent.customer.address_id, rent.staff.address_id): followed from every referring column, learns nothing; phone not an identity here; up to 2 rows of rent.customer share one, reported to each and leading to neither's other rows",
    );
  });

  it('declares the key the partitions of a keyless partitioned table share, with the column it is partitioned by', () => {
    expect(entry('part', 'part.events')).toMatchObject({
      primaryKey: ['event_id', 'at'],
      follow: { member_id: 'part.members.member_id' },
    });
    expect(yamlOf.get('part')).toContain(
      "primaryKey: [event_id, at] # the key each of its 2 partitions declares, with the column(s) it is partitioned by (at): each partition's key holds within that partition alone (the partitioned table itself has none)",
    );
  });

  it('refuses a declared key one partition lacks, naming the partition', async () => {
    await test.exec(`
      CREATE TABLE part.visits (visit_id bigint NOT NULL, member_id int, at date NOT NULL) PARTITION BY RANGE (at);
      CREATE TABLE part.visits_a PARTITION OF part.visits FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      CREATE TABLE part.visits_b PARTITION OF part.visits FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      ALTER TABLE part.visits_a ADD PRIMARY KEY (visit_id);`);
    const map = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: part.members
    primaryKey: [member_id]
    identities: { email: email }
  - table: part.visits
    primaryKey: [visit_id]
    follow: { member_id: part.members.member_id }`,
      'hand.yaml',
    );
    const catalog = await readPgCatalog(db, ['part']);
    expect(checkPostgresCatalog(map, catalog).map((p) => p.message)).toEqual([
      '[visit_id] is not the primary key of part.visits nor a unique index over NOT NULL columns, nor a key each of its partitions declares (not in part.visits_b)',
    ]);
    await test.exec('ALTER TABLE part.visits_b ADD PRIMARY KEY (visit_id)');
    // Each partition's key holds within that partition alone: the column it is partitioned by is needed too.
    expect(checkPostgresCatalog(map, await readPgCatalog(db, ['part'])).map((p) => p.message)).toEqual([
      "[visit_id] is not the primary key of part.visits nor a unique index over NOT NULL columns, and its partitions' keys hold within each partition alone, so two partitions could each hold a row with the same [visit_id]; add the column(s) it is partitioned by (at) to primaryKey",
    ]);
    const withPartitionColumn = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: part.members
    primaryKey: [member_id]
    identities: { email: email }
  - table: part.visits
    primaryKey: [visit_id, at]
    follow: { member_id: part.members.member_id }`,
      'hand.yaml',
    );
    expect(checkPostgresCatalog(withPartitionColumn, await readPgCatalog(db, ['part']))).toEqual([]);
  });

  it('keeps an empty table by its names, and writes out the table nothing reaches', () => {
    expect(entry('logs', 'logs.login_attempts')).toMatchObject({
      primaryKey: ['id'],
      follow: { account_id: 'logs.accounts.id' },
    });
    expect(yamlOf.get('logs')).toContain(
      'account_id: logs.accounts.id # proposed from name account_id -> accounts.id alone: the table is empty, so rows written later are found',
    );
    expect(lines('logs')).toContain(
      '# - table: logs.audit_trail  # no identity column found and no reference to or from a reachable table, so no subject can reach it',
    );
  });
});

describe('Discovery with the proposed maps, without a hand edit', () => {
  it("returns a customer's own rows, a staff member's own rows, and never each other's", async () => {
    expect(await rowsFor('rent', { email: ['customer5@renter-example.org'] })).toEqual({
      'rent.address': ['5'],
      'rent.customer': ['5'],
      'rent.payment': ['4', '2004', '4004'],
      'rent.rental': ['4', '2004', '4004'],
    });
    expect(await rowsFor('rent', { email: ['mia.stone@store-example.com'] })).toEqual({
      'rent.address': ['2001'],
      'rent.staff': ['1'],
    });
  });

  it('reports a household address to each member, leading to neither one’s other rows', async () => {
    expect(await rowsFor('rent', { email: ['customer1@renter-example.org'] })).toEqual({
      'rent.address': ['1'],
      'rent.customer': ['1'],
      'rent.payment': ['2000', '4000', '6000'],
      'rent.rental': ['2000', '4000', '6000'],
    });
    expect(await rowsFor('rent', { email: ['customer2@renter-example.org'] })).toEqual({
      'rent.address': ['1'],
      'rent.customer': ['2'],
      'rent.payment': ['1', '2001', '4001'],
      'rent.rental': ['1', '2001', '4001'],
    });
  });

  it('keeps two employees who share an office number apart', async () => {
    expect(await rowsFor('office', { email: ['emp1@office-example.com'] })).toEqual({
      'office.employees': ['1'],
      'office.timesheets': ['20', '40', '60', '80', '100'],
    });
    // A request by the shared number finds neither; one by a number of one employee finds her.
    expect(await rowsFor('office', { phone: ['+44 20 7946 0000'] })).toEqual({});
    expect(await rowsFor('office', { phone: ['+44 20 7946 0007'] })).toEqual({
      'office.employees': ['7'],
      'office.timesheets': ['6', '26', '46', '66', '86'],
    });
  });

  it('keeps a supplier and a carrier who share a number apart', async () => {
    expect(await rowsFor('trade', { email: ['sales1@supplier-example.com'] })).toEqual({
      'trade.products': ['5', '10', '15', '20', '25', '30', '35', '40'],
      'trade.suppliers': ['1'],
    });
    expect(await rowsFor('trade', { shipper_id: ['2'] })).toEqual({ 'trade.shippers': ['2'] });
    expect(await rowsFor('trade', { email: ['buyer7@shop-example.net'] })).toEqual({
      'trade.customers': ['7'],
      // Keys in column order (line_no, order_id).
      'trade.order_lines': ['1/6', '2/6', '1/106', '2/106', '1/206', '2/206'],
      'trade.orders': ['6', '106', '206'],
    });
  });

  it('finds rows of a partitioned table by the key its partitions share and the column it is partitioned by', async () => {
    expect(await rowsFor('part', { email: ['member3@club-example.org'] })).toEqual({
      // Key members in canonical order (at, event_id); rows in key order (event_id, at).
      'part.events': [
        '2025-06-15/2',
        '2026-05-31/52',
        '2026-05-16/102',
        '2026-05-01/152',
        '2026-04-16/202',
        '2026-04-01/252',
        '2026-03-17/302',
        '2026-03-02/352',
      ],
      'part.members': ['3'],
    });
  });

  it('finds rows written to a table that was empty when the map was proposed', async () => {
    await test.exec(`INSERT INTO logs.login_attempts VALUES (1, 4, '2026-03-01'), (2, 5, '2026-03-01')`);
    expect(await rowsFor('logs', { email: ['user4@app-example.io'] })).toEqual({
      'logs.accounts': ['4'],
      'logs.login_attempts': ['1'],
      'logs.sessions': ['3', '33', '63'],
    });
  });
});

describe('Function: previewDataMap', () => {
  it('prints the rows a request would return per table, with no subject over the limits under the proposed map', async () => {
    const preview = await previewDataMap(db, mapOf.get('rent') as DataMap, {
      sample: 5,
      subjectHashKey: TEST_HASH_KEY,
      maxRows: 20,
      maxShare: 0.01,
    });
    expect(formatPreview(preview)).toBe(
      [
        '7 subjects sampled (rent.customer by customer_id: 5, rent.staff by staff_id: 2)',
        'table          rows  median  p99  max  largest share',
        'rent.address   2002       1    1    1            0 %',
        'rent.customer  2000       1    1    1          0.1 %',
        'rent.payment   6000       3    3    3          0.1 %',
        'rent.rental    6000       3    3    3          0.1 %',
        'rent.staff        2       0    1    1           50 %',
        'no sampled subject is over the limits',
        '',
      ].join('\n'),
    );
  });

  it('prints what the shared-number map hands each sampled supplier, shipper and customer', async () => {
    const preview = await previewDataMap(db, mapOf.get('trade') as DataMap, {
      sample: 2,
      subjectHashKey: TEST_HASH_KEY,
      maxShare: 0.05,
    });
    // A shipper reaches its own row only; a supplier its products (a fifth of a 40-row table,
    // below the 100 rows the share is held to); a customer their orders and order lines.
    expect(formatPreview(preview)).toBe(
      [
        '6 subjects sampled (trade.customers by customer_id: 2, trade.shippers by shipper_id: 2, trade.suppliers by supplier_id: 2)',
        'table              rows  median  p99  max  largest share',
        'trade.customers     100       0    1    1            1 %',
        'trade.order_lines   600       0    6    6            1 %',
        'trade.orders        300       0    3    3            1 %',
        'trade.products       40       0    8    8           20 %',
        'trade.shippers        3       0    1    1         33.3 %',
        'trade.suppliers       5       0    1    1           20 %',
        'no sampled subject is over the limits',
        '',
      ].join('\n'),
    );
  });

  it('names by keyed hash each staff member a map following the staff side would hand the whole business', async () => {
    const proposed = mapOf.get('rent') as DataMap;
    const careless: DataMap = {
      ...proposed,
      postgres: proposed.postgres.map((t) =>
        t.table === 'rent.rental' || t.table === 'rent.payment'
          ? { ...t, follow: { ...t.follow, staff_id: ['rent.staff.staff_id'] } }
          : t,
      ),
    };
    const preview = await previewDataMap(db, careless, {
      sample: 5,
      subjectHashKey: TEST_HASH_KEY,
      maxRows: 20,
      maxShare: 0.01,
    });
    expect(preview.tables.find((t) => t.table === 'rent.rental')).toEqual({
      table: 'rent.rental',
      rows: 6000,
      median: 3,
      p99: 3000,
      max: 3000,
      maxShare: 0.5,
    });
    // The preview requests each sampled staff member by their staff_id, as the hash says.
    const staffHashes = ['1', '2'].map((id) => subjectHash(TEST_HASH_KEY, { staff_id: [id] }));
    expect(preview.breaches.map((b) => b.subject).sort()).toEqual(staffHashes.sort());
    const text = formatPreview(preview);
    expect(text).toContain('2 sampled subjects over the limits:');
    expect(text).toMatch(
      /^ {2}subject [0-9a-f]{16} \(sampled from rent\.staff\): 6002 rows in all \(above --max-rows 20\); 50 % of rent\.payment \(above --max-share 1 %\); 50 % of rent\.rental \(above --max-share 1 %\)$/m,
    );
    expect(text).not.toMatch(/store-example|Stone|Reed/);
  });
});

describe('Command: dsr datamap preview', () => {
  it('exits 1 over the limits and prints JSON that names subjects by hash only', async () => {
    const dir = await tempDir('dsr-preview-');
    const file = join(dir, 'rent.yaml');
    await writeFile(file, yamlOf.get('rent') ?? '');
    const run = async (args: string[]) => {
      let stdout = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        stdout += String(chunk);
        return true;
      });
      const saved = { dsn: process.env.PG_DSN, key: process.env.DSR_SUBJECT_HASH_KEY };
      process.env.PG_DSN = test.dsn;
      process.env.DSR_SUBJECT_HASH_KEY = TEST_HASH_KEY;
      try {
        const program = new Command('dsr').exitOverride();
        registerDatamapPreview(program.command('datamap').exitOverride());
        await program.parseAsync(['datamap', 'preview', '--datamap', file, ...args], { from: 'user' });
        return { stdout, error: undefined };
      } catch (error) {
        return { stdout, error };
      } finally {
        spy.mockRestore();
        restoreEnv('PG_DSN', saved.dsn);
        restoreEnv('DSR_SUBJECT_HASH_KEY', saved.key);
      }
    };
    const ok = await run(['--sample', '3', '--max-share', '0.01', '--format', 'json']);
    expect(ok.error).toBeUndefined();
    expect(JSON.parse(ok.stdout)).toMatchObject({ subjects: 5, breaches: [] });
    const over = await run(['--sample', '3', '--max-rows', '2']);
    expect(over.error).toBeInstanceOf(CliError);
    expect((over.error as CliError).exitCode).toBe(1);
    expect(over.stdout).toContain('3 sampled subjects over the limits:');
    expect(over.stdout).not.toMatch(/renter-example|store-example/);
  });
});

describe('Command: dsr datamap init', () => {
  it('previews its own proposal and writes a map whose preview stays within the limits', async () => {
    const dir = await tempDir('dsr-init-preview-');
    const out = join(dir, 'office.yaml');
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const saved = { dsn: process.env.PG_DSN, key: process.env.DSR_SUBJECT_HASH_KEY };
    process.env.PG_DSN = test.dsn;
    process.env.DSR_SUBJECT_HASH_KEY = TEST_HASH_KEY;
    try {
      const program = new Command('dsr').exitOverride();
      registerDatamapInit(program.command('datamap').exitOverride());
      await program.parseAsync(
        ['datamap', 'init', '--schema', 'office', '--out', out, '--preview-sample', '3'],
        {
          from: 'user',
        },
      );
    } finally {
      spy.mockRestore();
      restoreEnv('PG_DSN', saved.dsn);
      restoreEnv('DSR_SUBJECT_HASH_KEY', saved.key);
    }
    expect(await readFile(out, 'utf8')).toBe(yamlOf.get('office'));
    expect(stderr).toContain(
      [
        'preview of the proposal:',
        '3 subjects sampled (office.employees by employee_id: 3)',
        'table              rows  median  p99  max  largest share',
        'office.employees     20       1    1    1            5 %',
        'office.timesheets   100       5    5    5            5 %',
        'no sampled subject is over the limits',
      ].join('\n'),
    );
  });
});
