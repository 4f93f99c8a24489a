import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
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

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
    exclude: [secret]
    mirror: ANALYTICS.PUBLIC.USERS
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
    mirror: ANALYTICS.PUBLIC.ORDERS
`,
  'map.yaml',
);

let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;
let pgTest: TestDatabase;
let pg: PgDatabase;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  pgTest = await createTestDatabase('mirrors');
  await pgTest.exec(`
    CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL, secret text);
    CREATE TABLE public.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric(10,2));
    INSERT INTO public.users VALUES (7, 'Ana@Example.com', 'x'), (8, 'bo@example.com', 'y');
    INSERT INTO public.orders VALUES (70, 7, 1.50), (80, 8, 2.00);`);
  await sf.sql('CREATE DATABASE IF NOT EXISTS ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.USERS (ID NUMBER(38,0), EMAIL VARCHAR, SECRET VARCHAR)');
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.ORDERS (ID NUMBER(38,0), USER_ID NUMBER(38,0), TOTAL NUMBER(10,2))',
  );
  // The warehouse copy holds an order the source has already deleted: only a mirror search finds it.
  await sf.sql(
    "INSERT INTO ANALYTICS.PUBLIC.USERS (ID, EMAIL, SECRET) VALUES (7, 'ana@example.com', 'x'), (8, 'bo@example.com', 'y')",
  );
  await sf.sql(
    'INSERT INTO ANALYTICS.PUBLIC.ORDERS (ID, USER_ID, TOTAL) VALUES (70, 7, 1.50), (71, 7, 9.99), (80, 8, 2.00)',
  );
  sfDb = openTestSnowflakeDatabase(sf);
  pg = openDatabase(pgTest.dsn);
}, 60_000);

afterAll(async () => {
  await pg?.end();
  await sfDb?.close();
  await sf?.stop();
  await pgTest?.drop();
});

async function discover(mirrors: boolean) {
  const searchers = {
    postgres: await PostgresTableSearcher.create(pg, map, 'map.yaml'),
    snowflake: await SnowflakeTableSearcher.create(sfDb, map, 'map.yaml', { mirrors }),
  };
  const { document } = await discoverSubject(
    { dataMap: map, searchers, subjectHashKey: TEST_HASH_KEY, searchMirrors: mirrors },
    { requestId: 'r', identifiers: { email: ['ANA@example.com'] } },
  );
  return document;
}

describe('Cross-system discovery: mirrors, when asked', () => {
  it('searches each mirror as its source table is searched, excluded columns left out', async () => {
    const document = await discover(true);
    expect(document.counts).toEqual({
      postgres: { 'public.orders': 1, 'public.users': 1 },
      snowflake: { 'ANALYTICS.PUBLIC.ORDERS': 2, 'ANALYTICS.PUBLIC.USERS': 1 },
    });
    const mirrored = document.findings.filter((f) => f.system === 'snowflake');
    expect(mirrored.map((f) => `${f.table}:${String(f.key.ID)}`)).toEqual([
      'ANALYTICS.PUBLIC.ORDERS:70',
      'ANALYTICS.PUBLIC.ORDERS:71',
      'ANALYTICS.PUBLIC.USERS:7',
    ]);
    expect(Object.keys(mirrored[2]?.row ?? {})).toEqual(['EMAIL', 'ID']);
  });

  it('leaves mirrors alone unless asked', async () => {
    const document = await discover(false);
    expect(Object.keys(document.counts)).toEqual(['postgres']);
  });

  it('refuses a mirror that lacks a column its source is searched by, before any search', async () => {
    await sf.sql(
      'CREATE TABLE IF NOT EXISTS ANALYTICS.PUBLIC.ORDERS_V2 (ID NUMBER(38,0), CUSTOMER NUMBER(38,0))',
    );
    const renamed = parseDataMap(
      `version: 1
identities: { user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { user_id: id }
    learn: [user_id]
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
    mirror: ANALYTICS.PUBLIC.ORDERS_V2
`,
      'map.yaml',
    );
    await expect(SnowflakeTableSearcher.create(sfDb, renamed, 'map.yaml', { mirrors: true })).rejects.toThrow(
      DataMapError,
    );
    await expect(SnowflakeTableSearcher.create(sfDb, renamed, 'map.yaml', { mirrors: true })).rejects.toThrow(
      /no column USER_ID/,
    );
  });
});
