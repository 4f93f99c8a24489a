import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

/**
 * The endpoint refuses what Snowflake refuses, with Snowflake's codes, so a test fails where
 * production would (each case: a statement DuckDB alone would have run).
 */
describe('Local Snowflake endpoint: no more lenient than Snowflake', () => {
  let sf: LocalSnowflake;
  let conn: Connection;
  const run = (sql: string, binds?: unknown[]) => executeOnDriver(conn, sql, binds);

  beforeAll(async () => {
    sf = await startTestSnowflake();
    conn = await connectTestDriver(sf, { fetchAsString: ['Number'] });
    await run('CREATE DATABASE STRICT_DB');
    await run('CREATE SCHEMA STRICT_DB.S');
    await run('CREATE TABLE STRICT_DB.S.PEOPLE (ID NUMBER(38,0), EMAIL VARCHAR, DOC VARIANT)');
    await run(`INSERT INTO STRICT_DB.S.PEOPLE (ID, EMAIL) VALUES (1, 'a@example.com')`);
  });
  afterAll(async () => {
    await destroyDriver(conn);
    await sf?.stop();
  });

  it.each([
    ['UPDATE', 'UPDATE STRICT_DB.S.PEOPLE SET EMAIL = ? WHERE ID = ?'],
    ['DELETE', 'DELETE FROM STRICT_DB.S.PEOPLE WHERE ID = ? AND EMAIL = ?'],
    ['SELECT', 'SELECT ID FROM STRICT_DB.S.PEOPLE WHERE ID = ? OR EMAIL = ?'],
  ])('refuses array binds on %s (Snowflake binds arrays for INSERT only)', async (_kind, sql) => {
    await expect(
      run(sql, [
        ['x', 1],
        ['y', 2],
      ]),
    ).rejects.toMatchObject({ code: '002014' });
  });

  it('accepts array binds on INSERT', async () => {
    await run('INSERT INTO STRICT_DB.S.PEOPLE (ID, EMAIL) VALUES (?, ?)', [
      [10, 'p@example.com'],
      [11, 'q@example.com'],
    ]);
    expect(await sf.sql('SELECT COUNT(*) AS N FROM STRICT_DB.S.PEOPLE WHERE ID >= 10')).toEqual([{ N: '2' }]);
  });

  it('treats quoted identifiers as case-sensitive: "people" is not PEOPLE, "email" is not EMAIL', async () => {
    await expect(run('SELECT ID FROM STRICT_DB.S."people"')).rejects.toMatchObject({ code: '002003' });
    await expect(run('SELECT ID FROM "strict_db".S.PEOPLE')).rejects.toMatchObject({ code: '002003' });
    await expect(run('SELECT "email" FROM STRICT_DB.S.PEOPLE')).rejects.toMatchObject({ code: '000904' });
    expect(await run('SELECT "EMAIL" FROM STRICT_DB.S."PEOPLE" WHERE ID = 1')).toEqual([
      { EMAIL: 'a@example.com' },
    ]);
  });

  it('refuses a bound value over 16 MB', async () => {
    await expect(
      run('INSERT INTO STRICT_DB.S.PEOPLE (ID, EMAIL) VALUES (?, ?)', [99, 'z'.repeat(16 * 1024 * 1024 + 1)]),
    ).rejects.toMatchObject({ code: '100082' });
  });

  it('refuses a VARIANT over 16 MB built in SQL', async () => {
    await expect(
      run(
        `INSERT INTO STRICT_DB.S.PEOPLE (ID, DOC) SELECT 98, PARSE_JSON('"' || REPEAT('x', ${16 * 1024 * 1024}) || '"')`,
      ),
    ).rejects.toMatchObject({ code: '100082' });
    expect(await sf.sql('SELECT COUNT(*) AS N FROM STRICT_DB.S.PEOPLE WHERE ID = 98')).toEqual([{ N: '0' }]);
  });

  it('refuses a statement text over 16 MB', async () => {
    await expect(run(`SELECT '${'s'.repeat(16 * 1024 * 1024)}' AS S`)).rejects.toMatchObject({
      code: '100082',
    });
  });

  it('refuses a function it does not implement with Snowflake semantics', async () => {
    await expect(run(`SELECT list_value(1, 2) AS L`)).rejects.toMatchObject({ code: '002140' });
    await expect(run(`SELECT STRING_SPLIT('a,b', ',') AS L`)).rejects.toMatchObject({ code: '002140' });
  });

  it('replaces every occurrence with REGEXP_REPLACE by default, as Snowflake does', async () => {
    expect(await run(`SELECT REGEXP_REPLACE('+1 (555) 010-9999', '[^0-9]', '') AS D`)).toEqual([
      { D: '15550109999' },
    ]);
  });

  it('honours the format argument of TO_VARCHAR and TO_TIMESTAMP_TZ', async () => {
    expect(
      await run(
        `SELECT TO_VARCHAR(TO_TIMESTAMP_TZ('31/12/2024 23:59:58', 'DD/MM/YYYY HH24:MI:SS'), 'YYYY-MM-DD"T"HH24:MI:SS') AS T`,
      ),
    ).toEqual([{ T: '2024-12-31T23:59:58' }]);
    await expect(run(`SELECT TO_TIMESTAMP_TZ('2024-12-31', 'DD/MM/YYYY') AS T`)).rejects.toMatchObject({
      code: '100035',
    });
  });

  it('refuses USE WAREHOUSE of an unknown warehouse and ALTER SESSION of an unknown parameter', async () => {
    await expect(run('USE WAREHOUSE NO_SUCH_WH')).rejects.toMatchObject({ code: '002043' });
    await expect(run('ALTER SESSION SET NO_SUCH_PARAMETER = 1')).rejects.toMatchObject({ code: '001008' });
    await run('USE WAREHOUSE LOCAL_WH');
    await run("ALTER SESSION SET QUERY_TAG = 't', STATEMENT_TIMEOUT_IN_SECONDS = 30");
  });

  it('needs a current warehouse for queries, not for DDL', async () => {
    const bare = await startTestSnowflake({ users: { DSR: { password: 'dsr', defaultWarehouse: null } } });
    const c = await connectTestDriver(bare);
    try {
      await executeOnDriver(c, 'CREATE DATABASE D');
      await expect(executeOnDriver(c, 'SELECT 1 AS ONE')).rejects.toMatchObject({ code: '000606' });
      await executeOnDriver(c, 'USE WAREHOUSE LOCAL_WH');
      expect(await executeOnDriver(c, 'SELECT 1 AS ONE')).toEqual([{ ONE: 1 }]);
    } finally {
      await destroyDriver(c);
      await bare.stop();
    }
  });

  it('honours the session TIMEZONE', async () => {
    const sql = `SELECT TO_VARCHAR(TO_TIMESTAMP_TZ('2024-07-01T12:00:00.000+00:00', 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM'), 'HH24:MI') AS T`;
    expect(await run(sql)).toEqual([{ T: '12:00' }]);
    await run(`ALTER SESSION SET TIMEZONE = 'America/New_York'`);
    try {
      expect(await run(sql)).toEqual([{ T: '08:00' }]);
    } finally {
      await run(`ALTER SESSION SET TIMEZONE = 'UTC'`);
    }
  });
});
