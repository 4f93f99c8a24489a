import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSnowflake } from '../../support/snowflake';

describe('Local Snowflake endpoint: a DuckDB file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsr-sf-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps databases, rows and declared types across restarts', async () => {
    // Prepare
    const dbPath = join(dir, 'snowflake.duckdb');
    const first = await startTestSnowflake({ dbPath });
    await first.sql('CREATE DATABASE IF NOT EXISTS KEEP');
    await first.sql('CREATE SCHEMA IF NOT EXISTS KEEP.DATA');
    await first.sql('CREATE TABLE KEEP.DATA.T (ID NUMBER(10,2), AT TIMESTAMP_TZ, NAME VARCHAR(3))');
    await first.sql('INSERT INTO KEEP.DATA.T (ID, AT, NAME) VALUES (?, TO_TIMESTAMP_TZ(?), ?)', [
      '1.25',
      '2024-01-01 08:00:00-03:00',
      'abc',
    ]);
    await first.stop();

    // Act
    const second = await startTestSnowflake({ dbPath });
    const rows = await second.sql('SELECT ID, AT, NAME FROM KEEP.DATA.T');
    const types = await second.sql(
      "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM KEEP.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'T' ORDER BY ORDINAL_POSITION",
    );
    const tooLong = second.sql("INSERT INTO KEEP.DATA.T (NAME) VALUES ('abcd')");

    // Assess
    expect(rows).toEqual([{ ID: '1.25', AT: '2024-01-01T08:00:00-03:00', NAME: 'abc' }]);
    expect(types).toEqual([
      { COLUMN_NAME: 'ID', DATA_TYPE: 'NUMBER', CHARACTER_MAXIMUM_LENGTH: null },
      { COLUMN_NAME: 'AT', DATA_TYPE: 'TIMESTAMP_TZ', CHARACTER_MAXIMUM_LENGTH: null },
      { COLUMN_NAME: 'NAME', DATA_TYPE: 'TEXT', CHARACTER_MAXIMUM_LENGTH: '3' },
    ]);
    await expect(tooLong).rejects.toMatchObject({ code: '100074', sqlState: '22000' });
    await second.stop();
  });
});
