import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { DataMapError } from '../../../shared/errors/errors';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from './helpers';

const MAP_TEXT = `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
snowflake:
  - table: ANALYTICS.PUBLIC.EVENTS
    primaryKey: [ID]
    identities: { user_id: USER_ID }
    exclude: [IP_ADDRESS]
  - table: ANALYTICS.PUBLIC.EVENT_TAGS
    primaryKey: [EVENT_ID, TAG]
    follow: { EVENT_ID: ANALYTICS.PUBLIC.EVENTS.ID }
  - table: ANALYTICS.PUBLIC.NEWSLETTER
    primaryKey: [ADDRESS]
    identities: { email: ADDRESS }
`;

let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;
let pgTest: TestDatabase;
let pg: PgDatabase;
let map: DataMap;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  pgTest = await createTestDatabase('sfdisc');
  await pgTest.exec(`
    CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL, name text);
    INSERT INTO public.users VALUES (9007199254740993, 'Ana.Lopez@example.com', 'Ana'), (42, 'other@example.com', 'Bo');
  `);
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.EVENTS (ID NUMBER(38,0), USER_ID NUMBER(38,0), KIND VARCHAR(50), ' +
      'PAYLOAD VARIANT, OCCURRED_AT TIMESTAMP_TZ, IP_ADDRESS VARCHAR)',
  );
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.EVENT_TAGS (EVENT_ID NUMBER(38,0), TAG VARCHAR, WEIGHT NUMBER(10,4))',
  );
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.NEWSLETTER (ADDRESS VARCHAR, SUBSCRIBED BOOLEAN)');
  // Five events of the subject (more than a page of 2), one of someone else.
  for (const [id, user] of [
    [5, '9007199254740993'],
    [1, '9007199254740993'],
    [4, '9007199254740993'],
    [2, '9007199254740993'],
    [3, '9007199254740993'],
    [6, '42'],
  ] as const) {
    await sf.sql(
      `INSERT INTO ANALYTICS.PUBLIC.EVENTS SELECT ${id}, ${user}, 'login', ` +
        `PARSE_JSON('{"amount":123456789012345678901234567890,"items":[{"sku":"A"}]}'), ` +
        `TO_TIMESTAMP_TZ('2024-03-0${id}T10:00:00.5+01:00'), '10.0.0.${id}'`,
    );
  }
  for (const [event, tag] of [
    [1, 'b'],
    [1, 'a'],
    [1, 'c'],
    [2, 'a'],
    [6, 'z'],
  ] as const) {
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.EVENT_TAGS SELECT ${event}, '${tag}', 0.5`);
  }
  await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.NEWSLETTER SELECT 'ana.lopez@example.com', TRUE`);
  pg = openDatabase(pgTest.dsn);
  sfDb = openTestSnowflakeDatabase(sf);
  map = parseDataMap(MAP_TEXT, 'cross.yaml');
});

afterAll(async () => {
  await sfDb?.close();
  await pg?.end();
  await pgTest?.drop();
  await sf?.stop();
});

async function discover(identifiers: Record<string, string[]>, pageSize = 2) {
  const postgres = await PostgresTableSearcher.create(pg, map, 'cross.yaml');
  const snowflake = await SnowflakeTableSearcher.create(sfDb, map, 'cross.yaml', { pageSize });
  return discoverSubject(
    { dataMap: map, searchers: { postgres, snowflake }, subjectHashKey: TEST_HASH_KEY },
    { requestId: 'req-cross', identifiers },
  );
}

describe('Cross-system discovery', () => {
  it('finds Snowflake rows only through the user id learned in PostgreSQL, page by page', async () => {
    const { document, rounds } = await discover({ email: ['ANA.LOPEZ@example.com'] });
    expect(document.counts).toEqual({
      postgres: { 'public.users': 1 },
      snowflake: {
        'ANALYTICS.PUBLIC.EVENTS': 5,
        'ANALYTICS.PUBLIC.EVENT_TAGS': 4,
        'ANALYTICS.PUBLIC.NEWSLETTER': 1,
      },
    });
    expect(rounds).toBeGreaterThanOrEqual(3);
    const events = document.findings.filter((f) => f.table === 'ANALYTICS.PUBLIC.EVENTS');
    expect(events.map((f) => f.key)).toEqual([
      { ID: '1' },
      { ID: '2' },
      { ID: '3' },
      { ID: '4' },
      { ID: '5' },
    ]);
    const tags = document.findings.filter((f) => f.table === 'ANALYTICS.PUBLIC.EVENT_TAGS');
    expect(tags.map((f) => f.key)).toEqual([
      { EVENT_ID: '1', TAG: 'a' },
      { EVENT_ID: '1', TAG: 'b' },
      { EVENT_ID: '1', TAG: 'c' },
      { EVENT_ID: '2', TAG: 'a' },
    ]);
  });

  it('returns Snowflake rows canonical, without excluded columns', async () => {
    const { document } = await discover({ email: ['ana.lopez@example.com'] });
    const first = document.findings.find((f) => f.table === 'ANALYTICS.PUBLIC.EVENTS');
    expect(canonicalJson(first?.row ?? null)).toBe(
      '{"ID":"1","KIND":"login","OCCURRED_AT":"2024-03-01T09:00:00.500000Z",' +
        '"PAYLOAD":{"amount":123456789012345678901234567890,"items":[{"sku":"A"}]},"USER_ID":"9007199254740993"}',
    );
    expect(document.findings.find((f) => f.table === 'ANALYTICS.PUBLIC.EVENT_TAGS')?.row).toEqual({
      EVENT_ID: '1',
      TAG: 'a',
      WEIGHT: '0.5000',
    });
  });

  it('gives the same evidence hash whatever the page size', async () => {
    const small = await discover({ email: ['ana.lopez@example.com'] }, 1);
    const large = await discover({ email: ['ana.lopez@example.com'] }, 1000);
    expect(small.document.evidenceHash).toBe(large.document.evidenceHash);
  });

  it('ignores a user id a NUMBER column cannot hold instead of failing the query', async () => {
    const { document } = await discover({ user_id: ['not-a-number', '42.5', '42'] });
    expect(document.counts.snowflake?.['ANALYTICS.PUBLIC.EVENTS']).toBe(1);
  });

  it('fails before searching when the data map names a Snowflake table or column that is not there', async () => {
    const wrong = parseDataMap(
      MAP_TEXT.replace('table: ANALYTICS.PUBLIC.EVENTS', 'table: ANALYTICS.PUBLIC.EVENT')
        .replace('EVENT_ID: ANALYTICS.PUBLIC.EVENTS.ID', 'EVENT_ID: ANALYTICS.PUBLIC.EVENT.ID')
        .replace('identities: { email: ADDRESS }', 'identities: { email: ADRESS }'),
      'wrong.yaml',
    );
    const error = await SnowflakeTableSearcher.create(sfDb, wrong, 'wrong.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataMapError);
    expect((error as DataMapError).problems).toEqual([
      {
        path: 'snowflake[0].table',
        message: expect.stringContaining(
          'table ANALYTICS.PUBLIC.EVENT does not exist in Snowflake. Did you mean ANALYTICS.PUBLIC.EVENTS',
        ),
      },
      {
        path: 'snowflake[2].identities.email',
        message: 'column ADRESS does not exist in ANALYTICS.PUBLIC.NEWSLETTER. Did you mean ADDRESS?',
      },
    ]);
  });
});
