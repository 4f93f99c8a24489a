import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { planSearch } from '../../../shared/discovery/planSearch';
import type { FoundRow } from '../../../shared/discovery/SearchableTable';
import { DataMapError } from '../../../shared/errors/errors';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { openTestSnowflakeDatabase, startTestSnowflake } from '../../support/snowflake';

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase } }
postgres: []
snowflake:
  - table: CRM.PUBLIC.PEOPLE
    primaryKey: [ID]
    identities: { email: EMAIL }
`,
  'people.yaml',
);

let sf: LocalSnowflake;
let db: SnowflakeDatabase;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE CRM');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS CRM.PUBLIC');
  await sf.sql('CREATE TABLE CRM.PUBLIC.PEOPLE (ID NUMBER(38,0), EMAIL VARCHAR, CITY VARCHAR)');
  await sf.sql(`INSERT INTO CRM.PUBLIC.PEOPLE SELECT 1, 'ana@x.test', 'Porto'`);
  db = openTestSnowflakeDatabase(sf);
});

afterAll(async () => {
  await db?.close();
  await sf?.stop();
});

describe('Method: SnowflakeTableSearcher.refreshCatalog', () => {
  it('searches the columns the table has now once refreshed, and says when the map no longer matches', async () => {
    // Prepare: a searcher made before the table changed, as a warm container's is.
    const searcher = await SnowflakeTableSearcher.create(db, map, 'people.yaml');
    const [table] = planSearch(map);
    const input = table?.inputs[0];
    if (!table || !input) throw new Error('the plan has the table');
    const rowOf = async () => {
      const rows: FoundRow[] = [];
      await searcher.search(table, input, ['ana@x.test'], (page) => rows.push(...page));
      return rows[0]?.row;
    };
    await sf.sql('ALTER TABLE CRM.PUBLIC.PEOPLE ADD COLUMN NICKNAME VARCHAR');
    await sf.sql(`UPDATE CRM.PUBLIC.PEOPLE SET NICKNAME = 'ani'`);

    // Act and assess: the catalog read at creation leaves the new column out; read again, it is there.
    expect(await rowOf()).toEqual({ ID: '1', EMAIL: 'ana@x.test', CITY: 'Porto' });
    expect(await searcher.refreshCatalog()).toBe(true);
    expect(await rowOf()).toEqual({ ID: '1', EMAIL: 'ana@x.test', CITY: 'Porto', NICKNAME: 'ani' });
    expect(await searcher.refreshCatalog()).toBe(false);

    // A dropped column fails the search until the catalog is read again.
    await sf.sql('ALTER TABLE CRM.PUBLIC.PEOPLE DROP COLUMN CITY');
    await expect(rowOf()).rejects.toThrow();
    expect(await searcher.refreshCatalog()).toBe(true);
    expect(await rowOf()).toEqual({ ID: '1', EMAIL: 'ana@x.test', NICKNAME: 'ani' });

    // The identity column renamed: the map no longer matches, and the refusal names the map's file.
    await sf.sql('ALTER TABLE CRM.PUBLIC.PEOPLE RENAME COLUMN EMAIL TO MAIL');
    await expect(searcher.refreshCatalog()).rejects.toBeInstanceOf(DataMapError);
    await expect(searcher.refreshCatalog()).rejects.toThrow(/people\.yaml/);
  });
});
