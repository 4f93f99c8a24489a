import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { buildErasureReceipt } from '../../../shared/erasure/buildErasureReceipt';
import { checkPlan } from '../../../shared/erasure/checkPlan';
import type { ErasureStep } from '../../../shared/erasure/ErasureStep';
import { executePostgresErasure } from '../../../shared/erasure/executePostgresErasure';
import { executeSnowflakeErasure } from '../../../shared/erasure/executeSnowflakeErasure';
import { learnedIdentifiers } from '../../../shared/erasure/learnedIdentifiers';
import { planErasure } from '../../../shared/erasure/planErasure';
import { readErasureCatalog } from '../../../shared/erasure/readErasureCatalog';
import { readSnowflakeRetention } from '../../../shared/erasure/readSnowflakeRetention';
import { rediscover } from '../../../shared/erasure/rediscover';
import { verifyErasure } from '../../../shared/erasure/verifyErasure';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
    erasure: delete
snowflake:
  - table: ANALYTICS.PUBLIC.WEB_SESSIONS
    primaryKey: [SESSION_ID]
    follow: { CUSTOMER_ID: public.customer.id }
    erasure: delete
  - table: ANALYTICS.PUBLIC.CRM_CONTACTS
    primaryKey: [CONTACT_ID]
    identities: { email: EMAIL }
    erasure: { action: mask, columns: { EMAIL: hash, NOTE: { redact: "[erased]" } } }
`;

let pg: TestDatabase;
let db: PgDatabase;
let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;
const map = parseDataMap(MAP, 'test.yaml');
const deterministic = (n: number) => Buffer.alloc(n, 7);

beforeAll(async () => {
  pg = await createTestDatabase('erasesf');
  await pg.exec(`CREATE TABLE public.customer (id int PRIMARY KEY, email text NOT NULL);
    INSERT INTO public.customer VALUES (1, 'ana@x.test'), (2, 'ben@x.test');`);
  db = openDatabase(pg.dsn);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID VARCHAR, CUSTOMER_ID NUMBER(38,0), PAGES NUMBER(10,0))',
  );
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.CRM_CONTACTS (CONTACT_ID NUMBER(38,0), EMAIL VARCHAR(200), NOTE VARCHAR)',
  );
  for (const [id, customer] of [
    ['s-1', 1],
    ['s-2', 2],
    ['s-3', 1],
  ] as const)
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT '${id}', ${customer}, 3`);
  await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.CRM_CONTACTS SELECT 70, 'Ana@X.test', 'called twice'`);
  await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.CRM_CONTACTS SELECT 71, 'ben@x.test', 'fine'`);
  sfDb = openTestSnowflakeDatabase(sf);
});
afterAll(async () => {
  await sfDb?.close();
  await sf?.stop();
  await db?.end();
  await pg?.drop();
});

async function searchers() {
  return {
    postgres: await PostgresTableSearcher.create(db, map, 'test.yaml'),
    snowflake: await SnowflakeTableSearcher.create(sfDb, map, 'test.yaml'),
  };
}

describe('Erasure across PostgreSQL and the local Snowflake endpoint', () => {
  it('a redelivery after a crash between the PostgreSQL commit and the Snowflake step erases nothing twice and ends erased', async () => {
    // Prepare: discover and plan once, as the erase stage would record them.
    const s = await searchers();
    const identifiers = { email: ['ana@x.test'] };
    const { document, identities } = await discoverSubject(
      { dataMap: map, searchers: s, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-x', identifiers },
    );
    const catalog = await readErasureCatalog(db, ['public']);
    const { plan, problems } = planErasure({ dataMap: map, catalog }, { findings: document });
    expect(problems).toEqual([]);
    const pgDeps = { db, dataMap: map, catalog, maskKey: 'mask-key', randomBytes: deterministic };
    expect(await checkPlan(pgDeps, plan)).toEqual([]);
    const sfDeps = { db: sfDb, dataMap: map, maskKey: 'mask-key', randomBytes: deterministic };

    // Act 1: PostgreSQL commits, then the process dies before Snowflake.
    const first = await executePostgresErasure(pgDeps, plan, { findings: document });
    const between = await sf.sql('SELECT COUNT(*) AS N FROM ANALYTICS.PUBLIC.WEB_SESSIONS');

    // Act 2: the message is delivered again: every step runs again.
    const steps: ErasureStep[] = [];
    const again = await executePostgresErasure(pgDeps, plan, { findings: document });
    const snow = await executeSnowflakeErasure(sfDeps, plan);
    for (const r of [again, snow]) if (r.outcome === 'done') steps.push(...r.steps);
    const third = await executeSnowflakeErasure(sfDeps, plan);
    const verification = await verifyErasure(
      {
        dataMap: map,
        discover: (ids) =>
          rediscover(
            { dataMap: map, searchers: s, subjectHashKey: TEST_HASH_KEY },
            { requestId: 'req-x', findings: document, identifiers: ids },
          ),
      },
      plan,
      learnedIdentifiers(map, document, identifiers, identities),
    );

    // Assess
    expect(first).toMatchObject({
      outcome: 'done',
      steps: [{ table: 'public.customer', changed: 1, alreadyDone: 0 }],
    });
    expect(between).toEqual([{ N: '3' }]);
    expect(again).toMatchObject({
      outcome: 'done',
      steps: [{ table: 'public.customer', changed: 0, alreadyDone: 1 }],
    });
    expect(snow).toEqual({
      outcome: 'done',
      steps: [
        {
          system: 'snowflake',
          table: 'ANALYTICS.PUBLIC.CRM_CONTACTS',
          action: 'mask',
          planned: 1,
          changed: 1,
          alreadyDone: 0,
        },
        {
          system: 'snowflake',
          table: 'ANALYTICS.PUBLIC.WEB_SESSIONS',
          action: 'delete',
          planned: 2,
          changed: 2,
          alreadyDone: 0,
        },
      ],
    });
    expect(third).toMatchObject({
      outcome: 'done',
      steps: [
        { changed: 0, alreadyDone: 1 },
        { changed: 0, alreadyDone: 2 },
      ],
    });
    expect(await sf.sql('SELECT SESSION_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS ORDER BY 1')).toEqual([
      { SESSION_ID: 's-2' },
    ]);
    const contacts = await sf.sql(
      'SELECT CONTACT_ID, EMAIL, NOTE FROM ANALYTICS.PUBLIC.CRM_CONTACTS ORDER BY 1',
    );
    expect(contacts[1]).toEqual({ CONTACT_ID: '71', EMAIL: 'ben@x.test', NOTE: 'fine' });
    expect(contacts[0]).toMatchObject({ NOTE: '[erased]' });
    expect(String(contacts[0]?.EMAIL)).toMatch(/^[0-9a-f]{64}$/);
    expect(verification).toMatchObject({ outcome: 'erased', remaining: [] });
    const receipt = buildErasureReceipt({
      plan,
      steps: [...(first.outcome === 'done' ? first.steps : []), ...steps],
      verification,
      retention: {
        postgresBackupRetentionDays: 30,
        snowflake: await readSnowflakeRetention(sfDb, [
          'ANALYTICS.PUBLIC.WEB_SESSIONS',
          'ANALYTICS.PUBLIC.CRM_CONTACTS',
        ]),
      },
      completedAt: '2026-12-01T12:00:00.000Z',
    });
    expect(
      receipt.tables.map((t) => [t.table, t.deleted, t.masked, t.remaining, t.unrecoverableAfterDays]),
    ).toEqual([
      ['ANALYTICS.PUBLIC.CRM_CONTACTS', 0, 1, 0, 8],
      ['public.customer', 1, 0, 0, 30],
      ['ANALYTICS.PUBLIC.WEB_SESSIONS', 2, 0, 0, 8],
    ]);
    expect(receipt.receiptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt.tables[2]?.unrecoverableBasis).toBe('Time Travel 1 days + Fail-safe 7 days');
    // The same inputs give the same receipt and hash.
    expect(
      buildErasureReceipt({
        plan,
        steps: [...(first.outcome === 'done' ? first.steps : []), ...steps],
        verification,
        retention: {
          postgresBackupRetentionDays: 30,
          snowflake: await readSnowflakeRetention(sfDb, [
            'ANALYTICS.PUBLIC.WEB_SESSIONS',
            'ANALYTICS.PUBLIC.CRM_CONTACTS',
          ]),
        },
        completedAt: '2026-12-01T12:00:00.000Z',
      }).receiptHash,
    ).toBe(receipt.receiptHash);
  });
});

describe('Snowflake re-check', () => {
  it('rolls back and reports stale when a planned Snowflake row changed since discovery', async () => {
    // Prepare
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.CRM_CONTACTS SELECT 80, 'cleo@x.test', 'first note'`);
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT 's-9', 9, 1`);
    await pg.exec(`INSERT INTO public.customer VALUES (9, 'cleo@x.test')`);
    const s = await searchers();
    const { document } = await discoverSubject(
      { dataMap: map, searchers: s, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-stale', identifiers: { email: ['cleo@x.test'] } },
    );
    const catalog = await readErasureCatalog(db, ['public']);
    const { plan } = planErasure({ dataMap: map, catalog }, { findings: document });
    await sf.sql(`UPDATE ANALYTICS.PUBLIC.CRM_CONTACTS SET NOTE = 'edited' WHERE CONTACT_ID = 80`);

    // Act
    const result = await executeSnowflakeErasure(
      { db: sfDb, dataMap: map, maskKey: 'k', randomBytes: deterministic },
      plan,
    );

    // Assess: nothing erased in Snowflake, the session not left in a transaction.
    expect(result).toEqual({
      outcome: 'stale',
      stale: [{ system: 'snowflake', table: 'ANALYTICS.PUBLIC.CRM_CONTACTS', rows: 1 }],
    });
    expect(
      await sf.sql(`SELECT EMAIL, NOTE FROM ANALYTICS.PUBLIC.CRM_CONTACTS WHERE CONTACT_ID = 80`),
    ).toEqual([{ EMAIL: 'cleo@x.test', NOTE: 'edited' }]);
    expect(
      await sf.sql(`SELECT COUNT(*) AS N FROM ANALYTICS.PUBLIC.WEB_SESSIONS WHERE SESSION_ID = 's-9'`),
    ).toEqual([{ N: '1' }]);
    expect(await sfDb.query('SELECT 1 AS ONE')).toEqual([{ ONE: '1' }]);
  });
});
