import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject, discoverSubjectStream } from '../../../shared/discovery/discoverSubject';
import { serializeFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { serializeFindingsSource } from '../../../shared/discovery/serializeFindingsSource';
import { checkSearchIndexes } from '../../../shared/postgres/checkSearchIndexes';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

/** Contacts of four countries, each kind read in its own region; the same rows in both systems. */
const REGIONS = { us: 'US', gb: 'GB', de: 'DE', fr: 'FR' } as const;
const ROWS: Record<keyof typeof REGIONS, [number, string][]> = {
  us: [
    [1, '(206) 555-9482'],
    [2, '206.555.9482'],
    [3, '+1 206 555 9482'],
    [4, '(207) 946-0958'],
    [5, '(171) 555-7788'],
  ],
  gb: [
    [1, '020 7946 0958'],
    [2, '+44 (0)20 7946 0958'],
    [3, '020 7946 0959'],
  ],
  de: [
    [1, '030-0074321'],
    [2, '0049 30 0074321'],
    [3, '+49 30 1234567'],
  ],
  fr: [
    [1, '88.60.15.31'],
    [2, '88 60 15 31'],
    [3, '04 91 55 12 34'],
  ],
};

const kinds = Object.entries(REGIONS)
  .map(([k, region]) => `  phone_${k}: { normalize: phone, region: ${region} }`)
  .join('\n');
const MAP = parseDataMap(
  `version: 1
identities:
${kinds}
postgres:
${Object.keys(REGIONS)
  .map((k) => `  - table: public.${k}_contacts\n    primaryKey: [id]\n    identities: { phone_${k}: phone }`)
  .join('\n')}
snowflake:
${Object.keys(REGIONS)
  .map(
    (k) =>
      `  - table: CRM.PUBLIC.${k.toUpperCase()}_CONTACTS\n    primaryKey: [ID]\n    identities: { phone_${k}: PHONE }`,
  )
  .join('\n')}
`,
  'phones.yaml',
);

let pgTest: TestDatabase;
let pg: PgDatabase;
let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  pgTest = await createTestDatabase('phones');
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE CRM');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS CRM.PUBLIC');
  for (const [k, rows] of Object.entries(ROWS)) {
    await pgTest.exec(`CREATE TABLE public.${k}_contacts (id int PRIMARY KEY, phone text)`);
    await pgTest.exec(`INSERT INTO public.${k}_contacts SELECT * FROM unnest($1::int[], $2::text[])`, [
      rows.map(([id]) => id),
      rows.map(([, phone]) => phone),
    ]);
    const table = `CRM.PUBLIC.${k.toUpperCase()}_CONTACTS`;
    await sf.sql(`CREATE TABLE ${table} (ID NUMBER(38,0), PHONE VARCHAR)`);
    await sf.sql(
      `INSERT INTO ${table} ${rows.map(([id, phone]) => `SELECT ${id}, '${phone}'`).join(' UNION ALL ')}`,
    );
  }
  pg = openDatabase(pgTest.dsn);
  sfDb = openTestSnowflakeDatabase(sf);
});

afterAll(async () => {
  await sfDb?.close();
  await sf?.stop();
  await pg?.end();
  await pgTest?.drop();
});

async function found(identifiers: Record<string, string[]>): Promise<string[]> {
  const postgres = await PostgresTableSearcher.create(pg, MAP, 'phones.yaml');
  const snowflake = await SnowflakeTableSearcher.create(sfDb, MAP, 'phones.yaml');
  const { document } = await discoverSubject(
    { dataMap: MAP, searchers: { postgres, snowflake }, subjectHashKey: TEST_HASH_KEY },
    { requestId: 'req-phone', identifiers },
  );
  return document.findings.map((f) => `${f.system} ${f.table} ${Object.values(f.key).join(',')}`);
}

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

/** The rows `ids` of one country's contacts, in both systems. */
const sortedBoth = (pgTable: string, ids: number[]) =>
  [
    ...ids.map((id) => `postgres public.${pgTable} ${id}`),
    ...ids.map((id) => `snowflake CRM.PUBLIC.${pgTable.toUpperCase()} ${id}`),
  ].sort();

describe('Discovery: phone numbers as people write them', () => {
  it('finds one US number in every way it is written, and not the US number with a London number’s digits', async () => {
    for (const asked of ['+1 206 555 9482', '001 206 555 9482', '(206) 555-9482']) {
      expect((await found({ phone_us: [asked] })).sort()).toEqual(sortedBoth('us_contacts', [1, 2, 3]));
    }
    expect(await found({ phone_us: ['+44 20 7946 0958'] })).toEqual([]);
  });

  it('finds UK, German and French national forms in their regions', async () => {
    expect((await found({ phone_gb: ['+44 20 7946 0958'] })).sort()).toEqual(
      sortedBoth('gb_contacts', [1, 2]),
    );
    expect((await found({ phone_de: ['+49 30 0074321'] })).sort()).toEqual(sortedBoth('de_contacts', [1, 2]));
    expect((await found({ phone_de: ['030 1234567'] })).sort()).toEqual(sortedBoth('de_contacts', [3]));
    expect((await found({ phone_fr: ['+33 4 91 55 12 34'] })).sort()).toEqual(sortedBoth('fr_contacts', [3]));
  });

  it('compares a number that cannot be parsed (88.60.15.31, an eight-digit French number) as its digits, and counts it', async () => {
    expect((await found({ phone_fr: ['88-60-15-31'] })).sort()).toEqual(sortedBoth('fr_contacts', [1, 2]));
    const postgres = await PostgresTableSearcher.create(pg, MAP, 'phones.yaml');
    const snowflake = await SnowflakeTableSearcher.create(sfDb, MAP, 'phones.yaml');
    const deps = { dataMap: MAP, searchers: { postgres, snowflake }, subjectHashKey: TEST_HASH_KEY };
    const request = { requestId: 'req-phone', identifiers: { phone_fr: ['88-60-15-31'] } };
    const { document } = await discoverSubject(deps, request);
    expect(document.unparsedPhones).toEqual([
      { column: 'phone', rows: 2, system: 'postgres', table: 'public.fr_contacts' },
      { column: 'PHONE', rows: 2, system: 'snowflake', table: 'CRM.PUBLIC.FR_CONTACTS' },
    ]);
    // Streamed discovery writes the same bytes, the counts included, and never a value.
    const streamed = await discoverSubjectStream(deps, request);
    try {
      const text = await collect(serializeFindingsSource(streamed.findings));
      expect(text).toBe(serializeFindingsDocument(document));
      expect(JSON.stringify(document.unparsedPhones)).not.toMatch(/88/);
    } finally {
      await streamed.findings.dispose();
    }
    // A number that parses is not counted.
    const parsed = await discoverSubject(deps, {
      requestId: 'req-phone',
      identifiers: { phone_fr: ['+33 4 91 55 12 34'] },
    });
    expect(parsed.document.unparsedPhones).toBeUndefined();
  });

  it('stays index-backed: validate --live asks for the digits index, and is satisfied once it exists', async () => {
    const before = await checkSearchIndexes(pg, MAP, await readPgCatalog(pg, ['public']));
    expect(before.map((w) => w.createIndex)).toContain(
      `CREATE INDEX ON "public"."us_contacts" ((regexp_replace("phone", '[^0-9]', '', 'g')));`,
    );
    for (const w of before) if (w.createIndex) await pgTest.exec(w.createIndex);
    expect(await checkSearchIndexes(pg, MAP, await readPgCatalog(pg, ['public']))).toEqual([]);
    expect((await found({ phone_us: ['206.555.9482'] })).sort()).toEqual(
      sortedBoth('us_contacts', [1, 2, 3]),
    );
  });
});
