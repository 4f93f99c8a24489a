import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileErasureStateStore } from '../../../cli/FileErasureStateStore';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { eraseSubject } from '../../../shared/erasure/eraseSubject';
import {
  executeSnowflakeErasure,
  snowflakeErasurePart,
} from '../../../shared/erasure/executeSnowflakeErasure';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

// One PostgreSQL table erased by delete, one Snowflake table whose rule varies per case.
const mapWith = (snowflakeTable: string) =>
  parseDataMap(
    `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
snowflake:
${snowflakeTable}`,
    'test.yaml',
  );

let pg: TestDatabase;
let db: PgDatabase;
let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;
let stateDir: string;
const deterministic = (n: number) => Buffer.alloc(n, 7);

beforeAll(async () => {
  pg = await createTestDatabase('erasesfcheck');
  db = openDatabase(pg.dsn);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  sfDb = openTestSnowflakeDatabase(sf);
  stateDir = await mkdtemp(join(tmpdir(), 'dsr-sfcheck-'));
});
afterAll(async () => {
  await sfDb?.close();
  await sf?.stop();
  await db?.end();
  await pg?.drop();
  await rm(stateDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await pg.exec(`DROP TABLE IF EXISTS public.customer;
    CREATE TABLE public.customer (id int PRIMARY KEY, email text NOT NULL, note text);
    INSERT INTO public.customer VALUES (1, 'ana@x.test', 'a'), (2, 'ben@x.test', 'b');`);
  await sf.sql(`CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.CONTACTS (
    CONTACT_ID NUMBER(38,0), EMAIL VARCHAR(200) NOT NULL, CODE VARCHAR(5), SCORE NUMBER(10,0), SEEN DATE, NOTE VARCHAR)`);
  for (const [id, email, code, score] of [
    [70, 'ana@x.test', 'AB', 5],
    [71, 'ben@x.test', 'CD', 6],
  ] as const)
    await sf.sql(
      `INSERT INTO ANALYTICS.PUBLIC.CONTACTS SELECT ${id}, '${email}', '${code}', ${score}, '2026-01-02'::DATE, 'n'`,
    );
});

/** Every row of both systems, as text: what "byte-identical before and after" compares. */
async function everything(): Promise<string> {
  const pgRows = await db.query('SELECT row_to_json(c)::text AS r FROM public.customer c ORDER BY id');
  const sfRows = await sf.sql('SELECT * FROM ANALYTICS.PUBLIC.CONTACTS ORDER BY CONTACT_ID');
  return JSON.stringify([pgRows.rows, sfRows]);
}

async function erase(rule: string, dryRun: boolean, requestId: string) {
  const map = mapWith(rule);
  const searchers = {
    postgres: await PostgresTableSearcher.create(db, map, 'test.yaml'),
    snowflake: await SnowflakeTableSearcher.create(sfDb, map, 'test.yaml'),
  };
  return eraseSubject(
    {
      dataMap: map,
      db,
      ...(dryRun ? {} : { writeDb: db }),
      searchers,
      subjectHashKey: TEST_HASH_KEY,
      maskKey: 'test-mask-key-0123456789abcdef0123',
      randomBytes: deterministic,
      // The change runs without the plan-time catalog check: the refusal then comes from the
      // check and rehearsal the execution runs before PostgreSQL commits (as in the pipeline).
      ...(dryRun ? { snowflakeDb: sfDb } : {}),
      snowflake: snowflakeErasurePart({
        db: sfDb,
        dataMap: map,
        maskKey: 'test-mask-key-0123456789abcdef0123',
        randomBytes: deterministic,
      }),
      state: new FileErasureStateStore(stateDir),
    },
    { requestId, identifiers: { email: ['ana@x.test'] }, dryRun },
  );
}

const contacts = (erasure: string, key = 'primaryKey: [CONTACT_ID]') => `  - table: ANALYTICS.PUBLIC.CONTACTS
    ${key}
    identities: { email: EMAIL }
    erasure: ${erasure}`;

describe('Snowflake rules checked against Snowflake’s catalog before anything runs', () => {
  const cases: [string, string, string, string | undefined, RegExp][] = [
    ['a keyless table with a delete rule', contacts('delete', ''), 'KEY_REFUSED', undefined, /no primaryKey/],
    [
      'a hash mask on a NUMBER column',
      contacts('{ action: mask, columns: { SCORE: hash } }'),
      'MASK_REFUSED',
      'SCORE',
      /is NUMBER: a keyed hash needs a text column/,
    ],
    [
      'a redaction longer than a VARCHAR(5)',
      contacts('{ action: mask, columns: { CODE: { redact: "[erased]" } } }'),
      'MASK_REFUSED',
      'CODE',
      /holds at most 5 characters: the redaction text is 8 long/,
    ],
    [
      'null into a NOT NULL column',
      contacts('{ action: mask, columns: { EMAIL: null } }'),
      'MASK_REFUSED',
      'EMAIL',
      /is NOT NULL/,
    ],
    [
      'random on a DATE column',
      contacts('{ action: mask, columns: { SEEN: random } }'),
      'MASK_REFUSED',
      'SEEN',
      /is DATE: a random value is made for text and integer columns only/,
    ],
  ];
  for (const [name, rule, code, column, message] of cases)
    it(`refuses ${name} in the dry run and the change, with every row of both systems unchanged`, async () => {
      // Prepare
      const before = await everything();

      // Act
      const dry = await erase(rule, true, `req-dry-${code}-${column}`);
      const real = await erase(rule, false, `req-real-${code}-${column}`);

      // Assess: a refusal naming the table (and column), no value; nothing changed anywhere.
      for (const result of [dry, real]) {
        expect(result.outcome).toBe('refused');
        if (result.outcome !== 'refused') continue;
        const problem = result.problems.find((p) => p.system === 'snowflake');
        expect(problem).toMatchObject({ table: 'ANALYTICS.PUBLIC.CONTACTS', code });
        expect(problem?.column).toBe(column);
        expect(problem?.message).toMatch(message);
        expect(JSON.stringify(result.problems)).not.toMatch(/ana@x\.test|ben@x\.test/);
      }
      expect(await everything()).toBe(before);
    });

  it('refuses a planned key that two Snowflake rows share (Snowflake does not enforce keys)', async () => {
    // Prepare: another person's row under the subject's key.
    await sf.sql(
      `INSERT INTO ANALYTICS.PUBLIC.CONTACTS SELECT 70, 'cleo@x.test', 'EF', 7, '2026-01-02'::DATE, 'n'`,
    );
    const before = await everything();

    // Act
    const result = await erase(contacts('delete'), false, 'req-shared-key');

    // Assess
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [{ system: 'snowflake', table: 'ANALYTICS.PUBLIC.CONTACTS', code: 'KEY_REFUSED' }],
    });
    expect(await everything()).toBe(before);
  });

  it('erases with random on a NUMBER(10,0) column and hash on a VARCHAR: the rules that can run do run', async () => {
    // Act
    const result = await erase(
      contacts('{ action: mask, columns: { EMAIL: hash, SCORE: random, NOTE: hash } }'),
      false,
      'req-random-int',
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    const rows = await sf.sql(
      'SELECT CONTACT_ID, SCORE, NOTE, EMAIL FROM ANALYTICS.PUBLIC.CONTACTS ORDER BY 1',
    );
    expect(rows[1]).toEqual({ CONTACT_ID: '71', SCORE: '6', NOTE: 'n', EMAIL: 'ben@x.test' });
    expect(rows[0]?.EMAIL).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.SCORE).toMatch(/^\d{1,10}$/);
    expect(rows[0]?.NOTE).toMatch(/^[0-9a-f]{64}$/);
    expect((await db.query('SELECT id::text AS id FROM public.customer ORDER BY id')).rows).toEqual([
      { id: '2' },
    ]);
  });
});

describe('Snowflake rehearsal', () => {
  it('runs the planned statements in a transaction rolled back; a statement Snowflake refuses is a REHEARSAL_FAILED naming the table and the error code', async () => {
    // Prepare: plan a rule the catalog check would refuse, and rehearse it directly.
    const map = mapWith(contacts('{ action: mask, columns: { SCORE: hash } }'));
    const planned = await eraseSubject(
      {
        dataMap: map,
        db,
        searchers: {
          postgres: await PostgresTableSearcher.create(db, map, 'test.yaml'),
          snowflake: await SnowflakeTableSearcher.create(sfDb, map, 'test.yaml'),
        },
        subjectHashKey: TEST_HASH_KEY,
        maskKey: 'k',
        randomBytes: deterministic,
      },
      { requestId: 'req-rehearse', identifiers: { email: ['ana@x.test'] }, dryRun: true },
    );
    if (planned.outcome !== 'planned') throw new Error('expected a plan');
    const before = await everything();
    const deps = { db: sfDb, dataMap: map, maskKey: 'k', randomBytes: deterministic };

    // Act
    const refused = await executeSnowflakeErasure(deps, planned.plan, { rehearse: true });
    const deleting = mapWith(contacts('delete'));
    const fine = await executeSnowflakeErasure(
      { ...deps, dataMap: deleting },
      {
        ...planned.plan,
        tables: planned.plan.tables.map((t) =>
          t.system === 'snowflake' ? { ...t, action: 'delete' as const, mask: undefined } : t,
        ) as typeof planned.plan.tables,
      },
      { rehearse: true },
    );

    // Assess
    expect(refused).toEqual({
      outcome: 'refused',
      problems: [
        {
          system: 'snowflake',
          table: 'ANALYTICS.PUBLIC.CONTACTS',
          code: 'REHEARSAL_FAILED',
          message: expect.stringMatching(/error 100038/),
        },
      ],
    });
    expect(fine).toMatchObject({ outcome: 'done', steps: [{ action: 'delete', changed: 1 }] });
    expect(await everything()).toBe(before);
    // The session is usable and out of any transaction; the timeout is unset again.
    expect(await sfDb.query('SELECT 1 AS ONE')).toEqual([{ ONE: '1' }]);
  });
});

describe('A Snowflake key two people share, followed by a table the plan changes', () => {
  // Customer 7 is Ana in tenant A and Ben in tenant B: Snowflake enforces no declared key.
  const RULES = `  - table: ANALYTICS.PUBLIC.CUSTOMERS
    primaryKey: [CUST_ID]
    identities: { email: EMAIL }
    erasure: { action: retain, ground: "tax law" }
  - table: ANALYTICS.PUBLIC.ORDERS
    primaryKey: [ORDER_ID]
    follow: { CUST_ID: ANALYTICS.PUBLIC.CUSTOMERS.CUST_ID }
    erasure: delete`;

  beforeEach(async () => {
    await sf.sql(
      'CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.CUSTOMERS (CUST_ID NUMBER(38,0), EMAIL VARCHAR, TENANT VARCHAR)',
    );
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.CUSTOMERS SELECT 7, 'ana@x.test', 'A'`);
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.CUSTOMERS SELECT 7, 'ben@x.test', 'B'`);
    await sf.sql(
      'CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.ORDERS (ORDER_ID VARCHAR, CUST_ID NUMBER(38,0), ITEM VARCHAR)',
    );
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.ORDERS SELECT 'o1', 7, 'ana order'`);
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.ORDERS SELECT 'o2', 7, 'ben order'`);
  });

  it("refuses the plan in the dry run and the change, naming the key and its follower; Ben's order stays", async () => {
    // Act
    const dry = await erase(RULES, true, 'req-dupkey-dry');
    const change = await erase(RULES, false, 'req-dupkey');

    // Assess: before, both orders were deleted with "erased", Ben's among them.
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: expect.arrayContaining([
          expect.objectContaining({
            table: 'ANALYTICS.PUBLIC.ORDERS',
            column: 'CUST_ID',
            code: 'KEY_REFUSED',
            message: expect.stringContaining(
              'follows ANALYTICS.PUBLIC.CUSTOMERS.CUST_ID, its declared key, and 1 of the values its planned rows hold there match more than one row',
            ),
          }),
        ]),
      });
    expect(await sf.sql('SELECT ORDER_ID FROM ANALYTICS.PUBLIC.ORDERS ORDER BY ORDER_ID')).toEqual([
      { ORDER_ID: 'o1' },
      { ORDER_ID: 'o2' },
    ]);
  });

  it('leaves both orders out of her answer and says why: the key is held by two rows', async () => {
    // Prepare
    const map = mapWith(RULES);
    const searchers = {
      postgres: await PostgresTableSearcher.create(db, map, 'test.yaml'),
      snowflake: await SnowflakeTableSearcher.create(sfDb, map, 'test.yaml'),
    };

    // Act
    const { document } = await discoverSubject(
      { dataMap: map, searchers, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-dupkey-access', identifiers: { email: ['ana@x.test'] } },
    );

    // Assess: before, Ben's order o2 was in Ana's answer.
    expect(document.findings.filter((f) => f.table === 'ANALYTICS.PUBLIC.ORDERS')).toEqual([]);
    expect(document.notFollowed).toEqual([
      expect.objectContaining({ table: 'ANALYTICS.PUBLIC.CUSTOMERS', column: 'CUST_ID', rows: 2 }),
    ]);
  });
});
