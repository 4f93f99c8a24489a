import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { serializeFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { subjectHash } from '../../../shared/identity/subjectHash';
import { checkSearchIndexes } from '../../../shared/postgres/checkSearchIndexes';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { renderAccessReport } from '../../../shared/report/renderAccessReport';
import { checkSnowflakeLearnedColumns } from '../../../shared/snowflake/checkSnowflakeLearnedColumns';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { localSnowflakeCliEnv, runDsr } from '../../support/cliProgram';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

/** Two employees share the office switchboard number; a third has a number of her own. */
const STAFF_MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
  phone: { normalize: digits }
  employee_id: {}
postgres:
  - table: public.employees
    primaryKey: [id]
    identities: { email: email, phone: phone, employee_id: id }
    learn: [email, phone, employee_id]
  - table: public.call_log
    primaryKey: [id]
    identities: { phone: caller }
  - table: public.orders
    primaryKey: [id]
    follow: { employee_id: public.employees.id }
`,
  'staff.yaml',
);

/** A supplier and a carrier, kept in one table of business partners, share one number. */
const PARTNER_YAML = `version: 1
identities:
  email: { normalize: lowercase }
  phone: { normalize: digits }
snowflake:
  - table: TRADE.PUBLIC.PARTNERS
    primaryKey: [ID]
    identities: { email: EMAIL, phone: PHONE }
    learn: [email, phone]
  - table: TRADE.PUBLIC.PURCHASE_ORDERS
    primaryKey: [ID]
    follow: { SUPPLIER_ID: TRADE.PUBLIC.PARTNERS.ID }
  - table: TRADE.PUBLIC.SHIPMENTS
    primaryKey: [ID]
    follow: { CARRIER_ID: TRADE.PUBLIC.PARTNERS.ID }
`;
const PARTNER_MAP = parseDataMap(PARTNER_YAML, 'partners.yaml');

/**
 * A supplier and a carrier, kept in two learning tables, share one number written two ways; a
 * second supplier's number is its own, and a call log is searched by phone.
 */
const TRADE_MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
  phone: { normalize: phone, region: US }
  supplier_id: {}
  shipper_id: {}
postgres:
  - table: trade.suppliers
    primaryKey: [id]
    identities: { email: email, phone: phone, supplier_id: id }
    learn: [email, phone, supplier_id]
  - table: trade.shippers
    primaryKey: [id]
    identities: { email: email, phone: phone, shipper_id: id }
    learn: [email, phone, shipper_id]
  - table: trade.purchase_orders
    primaryKey: [id]
    follow: { supplier_id: trade.suppliers.id }
  - table: trade.shipments
    primaryKey: [id]
    follow: { shipper_id: trade.shippers.id }
  - table: trade.calls
    primaryKey: [id]
    identities: { phone: caller }
`,
  'trade.yaml',
);

const REQUEST = {
  requestId: 'req-shared',
  type: 'access',
  jurisdiction: 'GDPR',
  receivedAt: '2026-01-05T00:00:00.000Z',
  deadline: '2026-02-05T00:00:00.000Z',
};

let pgTest: TestDatabase;
let pg: PgDatabase;
let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  pgTest = await createTestDatabase('shared');
  await pgTest.exec(`
    CREATE TABLE public.employees (id int PRIMARY KEY, email text NOT NULL, phone text, name text);
    CREATE INDEX ON public.employees (regexp_replace(phone, '[^0-9]', '', 'g'));
    INSERT INTO public.employees VALUES
      (1, 'ann@corp.test', '+1 206 555 0100', 'Ann'),
      (2, 'bob@corp.test', '+1 (206) 555-0100', 'Bob'),
      (3, 'cy@corp.test', '+1 206 555 0199', 'Cy');
    CREATE TABLE public.call_log (id int PRIMARY KEY, caller text);
    INSERT INTO public.call_log VALUES (10, '1-206-555-0100'), (11, '+1 206 555 0199');
    CREATE TABLE public.orders (id int PRIMARY KEY, employee_id int, item text);
    INSERT INTO public.orders VALUES (20, 1, 'stapler'), (21, 2, 'chair'), (22, 2, 'desk'), (23, 3, 'lamp');
    CREATE SCHEMA trade;
    CREATE TABLE trade.suppliers (id int PRIMARY KEY, email text, phone text);
    CREATE TABLE trade.shippers (id int PRIMARY KEY, email text, phone text);
    CREATE TABLE trade.purchase_orders (id int PRIMARY KEY, supplier_id int);
    CREATE TABLE trade.shipments (id int PRIMARY KEY, shipper_id int);
    CREATE TABLE trade.calls (id int PRIMARY KEY, caller text);
    INSERT INTO trade.suppliers VALUES (1, 'sales@exotic.test', '(206) 555-0142'), (3, 'info@tokyo.test', '206 555 0177');
    INSERT INTO trade.shippers VALUES (1, 'desk@federal.test', '206-555-0101'), (2, 'desk@speedy.test', '+1 206.555.0142');
    INSERT INTO trade.purchase_orders VALUES (100, 1), (101, 3), (102, 1);
    INSERT INTO trade.shipments VALUES (200, 2), (201, 2), (202, 1);
    INSERT INTO trade.calls VALUES (300, '2065550142'), (301, '+1 (206) 555-0177');
  `);
  pg = openDatabase(pgTest.dsn);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE TRADE');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS TRADE.PUBLIC');
  await sf.sql(
    'CREATE TABLE TRADE.PUBLIC.PARTNERS (ID NUMBER(38,0), KIND VARCHAR, EMAIL VARCHAR, PHONE VARCHAR)',
  );
  await sf.sql('CREATE TABLE TRADE.PUBLIC.PURCHASE_ORDERS (ID NUMBER(38,0), SUPPLIER_ID NUMBER(38,0))');
  await sf.sql('CREATE TABLE TRADE.PUBLIC.SHIPMENTS (ID NUMBER(38,0), CARRIER_ID NUMBER(38,0))');
  await sf.sql(
    `INSERT INTO TRADE.PUBLIC.PARTNERS SELECT 1, 'supplier', 'sales@exotic.test', '(171) 555-2222' ` +
      `UNION ALL SELECT 2, 'carrier', 'desk@speedy.test', '171 555 2222' ` +
      `UNION ALL SELECT 3, 'supplier', 'info@tokyo.test', '(03) 3555-5011'`,
  );
  await sf.sql(
    'INSERT INTO TRADE.PUBLIC.PURCHASE_ORDERS SELECT 100, 1 UNION ALL SELECT 101, 3 UNION ALL SELECT 102, 1',
  );
  await sf.sql('INSERT INTO TRADE.PUBLIC.SHIPMENTS SELECT 200, 2 UNION ALL SELECT 201, 2');
  sfDb = openTestSnowflakeDatabase(sf);
});

afterAll(async () => {
  await sfDb?.close();
  await sf?.stop();
  await pg?.end();
  await pgTest?.drop();
});

const rowsOf = (document: { findings: readonly { table: string; key: Record<string, unknown> }[] }) =>
  document.findings.map((f) => `${f.table} ${Object.values(f.key).join(',')}`);

describe('Discovery: a learned value shared by several rows is not followed', () => {
  it("returns one employee's rows, not the colleague's who shares the switchboard number (PostgreSQL)", async () => {
    const postgres = await PostgresTableSearcher.create(pg, STAFF_MAP, 'staff.yaml');
    const discover = () =>
      discoverSubject(
        { dataMap: STAFF_MAP, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
        { requestId: 'req-shared', identifiers: { email: ['Ann@corp.test'] } },
      );
    const { document } = await discover();
    expect(rowsOf(document)).toEqual(['public.employees 1', 'public.orders 20']);
    expect(document.notFollowed).toEqual([
      {
        column: 'phone',
        identity: 'phone',
        rows: 2,
        system: 'postgres',
        table: 'public.employees',
        values: 1,
      },
    ]);
    const report = renderAccessReport(REQUEST, document, STAFF_MAP);
    expect(report).toContain('- phone not followed: shared by 2 rows of public.employees.phone (postgres)');
    expect(report).not.toContain('2065550100');
    expect(serializeFindingsDocument(document)).not.toContain('2065550100');
    // Same data, same bytes (the note included).
    expect(serializeFindingsDocument((await discover()).document)).toBe(serializeFindingsDocument(document));
  });

  it('still follows a learned number that only one row holds, and reports nothing', async () => {
    const postgres = await PostgresTableSearcher.create(pg, STAFF_MAP, 'staff.yaml');
    const { document } = await discoverSubject(
      { dataMap: STAFF_MAP, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-shared', identifiers: { employee_id: ['3'] } },
    );
    expect(rowsOf(document)).toEqual(['public.call_log 11', 'public.employees 3', 'public.orders 23']);
    expect(document.notFollowed).toBeUndefined();
  });

  it("returns exactly a supplier's rows when a carrier in another learning table shares its number", async () => {
    const postgres = await PostgresTableSearcher.create(pg, TRADE_MAP, 'trade.yaml');
    const discover = (identifiers: Record<string, string[]>) =>
      discoverSubject(
        { dataMap: TRADE_MAP, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
        { requestId: 'req-trade', identifiers },
      );
    const { document } = await discover({ email: ['sales@exotic.test'] });
    expect(rowsOf(document)).toEqual([
      'trade.purchase_orders 100',
      'trade.purchase_orders 102',
      'trade.suppliers 1',
    ]);
    expect(document.notFollowed).toEqual([
      {
        column: 'phone',
        heldBy: [
          { column: 'phone', rows: 1, system: 'postgres', table: 'trade.shippers' },
          { column: 'phone', rows: 1, system: 'postgres', table: 'trade.suppliers' },
        ],
        identity: 'phone',
        rows: 2,
        system: 'postgres',
        table: 'trade.suppliers',
        values: 1,
      },
    ]);
    const report = renderAccessReport(REQUEST, document, TRADE_MAP);
    expect(report).toContain(
      '- phone not followed: shared by 2 rows (1 of trade.shippers.phone, 1 of trade.suppliers.phone) (postgres)',
    );
    // The note holds no value; nothing of the carrier reaches the supplier.
    expect(JSON.stringify(document.notFollowed)).not.toMatch(/0142/);
    for (const text of [report, serializeFindingsDocument(document)])
      expect(text).not.toMatch(/speedy|206\.555\.0142/);
    // The carrier's own request is kept apart the same way.
    expect(rowsOf((await discover({ shipper_id: ['2'] })).document)).toEqual([
      'trade.shipments 200',
      'trade.shipments 201',
      'trade.shippers 2',
    ]);
    // A number one supplier alone holds is followed to the call log.
    const own = (await discover({ supplier_id: ['3'] })).document;
    expect(rowsOf(own)).toEqual(['trade.calls 301', 'trade.purchase_orders 101', 'trade.suppliers 3']);
    expect(own.notFollowed).toBeUndefined();
  });

  it("keeps the guard's counts on the phone indexes validate --live asks for", async () => {
    const catalog = async () => readPgCatalog(pg, ['trade']);
    const before = await checkSearchIndexes(pg, TRADE_MAP, await catalog());
    // The phone columns the guard counts in are among the searches without an index.
    expect(before.map((w) => w.column)).toEqual(
      expect.arrayContaining(['trade.suppliers.phone', 'trade.shippers.phone']),
    );
    for (const w of before) if (w.createIndex) await pgTest.exec(w.createIndex);
    // The guard counts with the search's own match, so the indexes printed serve it too.
    expect(await checkSearchIndexes(pg, TRADE_MAP, await catalog())).toEqual([]);
    const postgres = await PostgresTableSearcher.create(pg, TRADE_MAP, 'trade.yaml');
    const { document } = await discoverSubject(
      { dataMap: TRADE_MAP, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-trade', identifiers: { email: ['sales@exotic.test'] } },
    );
    expect(document.notFollowed?.map((n) => n.rows)).toEqual([2]);
  });

  it('returns the supplier and its purchase orders, not the carrier that shares its number (Snowflake)', async () => {
    const snowflake = await SnowflakeTableSearcher.create(sfDb, PARTNER_MAP, 'partners.yaml');
    const { document } = await discoverSubject(
      { dataMap: PARTNER_MAP, searchers: { snowflake }, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-shared', identifiers: { email: ['sales@exotic.test'] } },
    );
    expect(rowsOf(document)).toEqual([
      'TRADE.PUBLIC.PARTNERS 1',
      'TRADE.PUBLIC.PURCHASE_ORDERS 100',
      'TRADE.PUBLIC.PURCHASE_ORDERS 102',
    ]);
    expect(document.notFollowed).toEqual([
      {
        column: 'PHONE',
        identity: 'phone',
        rows: 2,
        system: 'snowflake',
        table: 'TRADE.PUBLIC.PARTNERS',
        values: 1,
      },
    ]);
    expect(renderAccessReport(REQUEST, document, PARTNER_MAP)).toContain(
      '- phone not followed: shared by 2 rows of TRADE.PUBLIC.PARTNERS.PHONE (snowflake)',
    );
  });
});

describe('Function: checkSnowflakeLearnedColumns', () => {
  it('measures the share of repeated values of a learned Snowflake column, counts only', async () => {
    const warnings = await checkSnowflakeLearnedColumns(sfDb, PARTNER_MAP);
    expect(
      warnings.map(({ column, identity, rows, repeatedRows }) => ({ column, identity, rows, repeatedRows })),
    ).toEqual([{ column: 'TRADE.PUBLIC.PARTNERS.PHONE', identity: 'phone', rows: 3, repeatedRows: 2 }]);
    expect(warnings[0]?.message).toContain('66.7 % of its non-null values (2 of 3 rows)');
    expect(JSON.stringify(warnings)).not.toMatch(/555|2222/);
  });
});

describe('Command: dsr datamap validate --live', () => {
  it('warns about a learned Snowflake column whose values repeat, by share and counts, never a value', async () => {
    // Prepare: the partners map in a file; PostgreSQL for the catalog, the local Snowflake endpoint.
    const dir = await mkdtemp(join(tmpdir(), 'dsr-learned-'));
    try {
      const file = join(dir, 'partners.yaml');
      await writeFile(file, PARTNER_YAML);
      const env = {
        PG_DSN: pgTest.dsn,
        ...localSnowflakeCliEnv(sf, { database: 'TRADE', schema: 'PUBLIC' }),
      };

      // Act
      const text = await runDsr(['datamap', 'validate', file, '--live'], env);
      const json = await runDsr(['datamap', 'validate', file, '--live', '--format', 'json'], env);
      const withoutSnowflake = await runDsr(['datamap', 'validate', file, '--live'], {
        PG_DSN: pgTest.dsn,
        SNOWFLAKE_ACCOUNT: undefined,
      });

      // Assess: valid (exit 0), with the warning the command measured in Snowflake.
      expect(text.code).toBe(0);
      expect(text.stderr).toContain(
        `${file}: warning: TRADE.PUBLIC.PARTNERS.PHONE (learn phone): learns phone, but 66.7 % of its non-null values (2 of 3 rows) are held by more than one row`,
      );
      expect(text.stderr).not.toContain('TRADE.PUBLIC.PARTNERS.EMAIL');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout).learnedColumnWarnings).toEqual([
        {
          column: 'TRADE.PUBLIC.PARTNERS.PHONE',
          identity: 'phone',
          message: expect.stringContaining('66.7 % of its non-null values (2 of 3 rows)'),
        },
      ]);
      for (const run of [text, json]) expect(run.stdout + run.stderr).not.toMatch(/555|2222|exotic|speedy/);
      // Without Snowflake settings the command measures PostgreSQL only, and says nothing of it.
      expect(withoutSnowflake.code).toBe(0);
      expect(withoutSnowflake.stderr).not.toContain('TRADE.PUBLIC.PARTNERS.PHONE');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Command: dsr datamap preview', () => {
  it('samples Snowflake learning tables too and prints what each subject would get across both systems, by keyed hash only', async () => {
    // Prepare: the partners of TRADE.PUBLIC.PARTNERS (Snowflake) and a call log in PostgreSQL that
    // a learned Snowflake phone number reaches (03-3555-5011 is partner 3's number).
    await pgTest.exec(`
      CREATE TABLE public.partner_calls (id int PRIMARY KEY, caller text);
      INSERT INTO public.partner_calls VALUES (1, '03-3555-5011'), (2, '+1 206 555 0000');
    `);
    const dir = await mkdtemp(join(tmpdir(), 'dsr-preview-'));
    try {
      const file = join(dir, 'partners-calls.yaml');
      await writeFile(
        file,
        PARTNER_YAML.replace(
          'snowflake:\n',
          'postgres:\n  - table: public.partner_calls\n    primaryKey: [id]\n    identities: { phone: caller }\nsnowflake:\n',
        ),
      );
      const env = {
        PG_DSN: pgTest.dsn,
        DSR_SUBJECT_HASH_KEY: TEST_HASH_KEY,
        ...localSnowflakeCliEnv(sf, { database: 'TRADE', schema: 'PUBLIC' }),
      };

      // Act
      const all = await runDsr(['datamap', 'preview', '--datamap', file], env);
      const two = await runDsr(
        ['datamap', 'preview', '--datamap', file, '--sample', '2', '--max-rows', '2'],
        env,
      );
      const pgOnly = await runDsr(['datamap', 'preview', '--datamap', file], {
        PG_DSN: pgTest.dsn,
        DSR_SUBJECT_HASH_KEY: TEST_HASH_KEY,
        SNOWFLAKE_ACCOUNT: undefined,
      });

      // Assess: each partner gets its own row and its orders or shipments; partner 3's number
      // reaches its call in PostgreSQL; the number partners 1 and 2 share reaches nothing.
      expect(all.code).toBe(0);
      expect(all.stdout).toBe(
        [
          '3 subjects sampled (TRADE.PUBLIC.PARTNERS by email: 3)',
          'table                         rows  median  p99  max  largest share',
          'public.partner_calls             2       0    1    1           50 %',
          'TRADE.PUBLIC.PARTNERS            3       1    1    1         33.3 %',
          'TRADE.PUBLIC.PURCHASE_ORDERS     3       1    2    2         66.7 %',
          'TRADE.PUBLIC.SHIPMENTS           2       0    2    2          100 %',
          'no sampled subject is over the limits',
          '',
        ].join('\n'),
      );

      // The two partners with the smallest MD5(seed || e-mail), the seed an HMAC under the key,
      // each over --max-rows 2 (3 rows), named by the first 16 hex digits of their keyed hash.
      const seed = createHmac('sha256', TEST_HASH_KEY)
        .update('dsr-preview:TRADE.PUBLIC.PARTNERS')
        .digest('hex');
      const chosen = ['sales@exotic.test', 'desk@speedy.test', 'info@tokyo.test']
        .sort((a, b) => {
          const [x, y] = [a, b].map((v) =>
            createHash('md5')
              .update(seed + v)
              .digest('hex'),
          );
          return (x as string) < (y as string) ? -1 : 1;
        })
        .slice(0, 2);
      expect(two.code).toBe(1);
      expect(two.stdout).toContain('2 subjects sampled (TRADE.PUBLIC.PARTNERS by email: 2)');
      const named = [
        ...two.stdout.matchAll(
          /subject ([0-9a-f]{16}) \(sampled from TRADE\.PUBLIC\.PARTNERS\): 3 rows in all/g,
        ),
      ].map((m) => m[1]);
      expect(named.sort()).toEqual(
        chosen.map((v) => subjectHash(TEST_HASH_KEY, { email: [v] }).slice(0, 16)).sort(),
      );
      for (const run of [all, two]) expect(run.stdout + run.stderr).not.toMatch(/@|555|2222|5011/);

      // Without Snowflake settings it says so and previews PostgreSQL only (no learning table there).
      expect(pgOnly.code).toBe(0);
      expect(pgOnly.stderr).toContain(
        'Snowflake is not configured (SNOWFLAKE_ACCOUNT is not set): previewing PostgreSQL only.',
      );
      expect(pgOnly.stdout).toContain('0 subjects sampled (no table learns identifiers, so none)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
