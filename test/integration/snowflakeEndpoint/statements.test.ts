import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

const MERGE_ONE = `MERGE INTO DSR.EVIDENCE.FINDINGS t
  USING (SELECT ? AS ID, ? AS SUBJECT, PARSE_JSON(?) AS DOC) s ON t.ID = s.ID
  WHEN MATCHED THEN UPDATE SET SUBJECT = s.SUBJECT, DOC = s.DOC
  WHEN NOT MATCHED THEN INSERT (ID, SUBJECT, DOC) VALUES (s.ID, s.SUBJECT, s.DOC)`;

const MERGE_FLATTEN = `MERGE INTO DSR.EVIDENCE.FINDINGS t
  USING (SELECT f.value:id::NUMBER(38,0) AS ID, f.value:subject::VARCHAR AS SUBJECT, f.value:doc AS DOC
         FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f
         QUALIFY ROW_NUMBER() OVER (PARTITION BY ID ORDER BY f.index) = 1) s ON t.ID = s.ID
  WHEN MATCHED THEN UPDATE SET SUBJECT = s.SUBJECT, DOC = s.DOC
  WHEN NOT MATCHED THEN INSERT (ID, SUBJECT, DOC) VALUES (s.ID, s.SUBJECT, s.DOC)`;

const MERGE_VALUES = `MERGE INTO DSR.EVIDENCE.FINDINGS t
  USING (SELECT column1 AS ID, column2 AS SUBJECT FROM VALUES (?, ?), (?, ?)) s ON t.ID = s.ID
  WHEN MATCHED THEN UPDATE SET SUBJECT = s.SUBJECT
  WHEN NOT MATCHED THEN INSERT (ID, SUBJECT) VALUES (s.ID, s.SUBJECT)`;

describe('Local Snowflake endpoint: the statements the product emits, with the real driver', () => {
  let sf: LocalSnowflake;
  let conn: Connection;

  beforeAll(async () => {
    sf = await startTestSnowflake();
    conn = await connectTestDriver(sf);
    await executeOnDriver(conn, 'CREATE DATABASE IF NOT EXISTS DSR');
    await executeOnDriver(conn, 'CREATE SCHEMA IF NOT EXISTS DSR.EVIDENCE');
    await executeOnDriver(
      conn,
      `CREATE TABLE IF NOT EXISTS DSR.EVIDENCE.FINDINGS (
        ID NUMBER(38,0) NOT NULL, SUBJECT VARCHAR(16), DOC VARIANT, FOUND_AT TIMESTAMP_TZ, AMOUNT NUMBER(12,2))`,
    );
  });
  afterAll(async () => {
    await destroyDriver(conn);
    await sf?.stop();
  });

  it('inserts 1,000 rows from one array bind', async () => {
    // Prepare
    await executeOnDriver(conn, 'CREATE TABLE DSR.EVIDENCE.BULK (ID NUMBER, LABEL STRING, AT TIMESTAMP_TZ)');
    const rows = Array.from({ length: 1000 }, (_, i) => [i, `label-${i}`, '2024-05-01T12:00:00+02:00']);

    // Act
    const [answer] = await executeOnDriver(
      conn,
      'INSERT INTO DSR.EVIDENCE.BULK (ID, LABEL, AT) VALUES (?, ?, TRY_TO_TIMESTAMP_TZ(?))',
      rows,
    );

    // Assess
    expect(answer).toEqual({ 'number of rows inserted': 1000 });
    const [count] = await sf.sql('SELECT COUNT(*) AS N, MAX(LABEL) AS M FROM DSR.EVIDENCE.BULK');
    expect(count).toEqual({ N: '1000', M: 'label-999' });
  });

  it('refuses array binds on a MERGE (Snowflake binds arrays for INSERT only)', async () => {
    // Act
    const failure = executeOnDriver(conn, MERGE_ONE, [
      [1, 'alice', '{"k":1}'],
      [2, 'bob', '{"k":2}'],
    ]);

    // Assess
    await expect(failure).rejects.toMatchObject({ code: '002014', sqlState: '0A000' });
    expect(await sf.sql('SELECT COUNT(*) AS N FROM DSR.EVIDENCE.FINDINGS')).toEqual([{ N: '0' }]);
  });

  it('MERGE twice with the same FLATTEN batch leaves the same rows; a repeated key keeps its first element', async () => {
    // Prepare
    const batch = JSON.stringify([
      { id: 1, subject: 'alice', doc: { k: 1 } },
      { id: 2, subject: 'bob', doc: { k: 2 } },
      { id: 1, subject: 'alice-again', doc: { k: 3 } },
    ]);

    // Act
    const first = await executeOnDriver(conn, MERGE_FLATTEN, [batch]);
    const second = await executeOnDriver(conn, MERGE_FLATTEN, [batch]);

    // Assess
    expect(first).toEqual([{ 'number of rows inserted': 2, 'number of rows updated': 0 }]);
    expect(second).toEqual([{ 'number of rows inserted': 0, 'number of rows updated': 2 }]);
    expect(await sf.sql('SELECT ID, SUBJECT FROM DSR.EVIDENCE.FINDINGS ORDER BY ID')).toEqual([
      { ID: '1', SUBJECT: 'alice' },
      { ID: '2', SUBJECT: 'bob' },
    ]);
  });

  it('MERGE from FROM VALUES (?, ?), (?, ?)', async () => {
    const answer = await executeOnDriver(conn, MERGE_VALUES, [2, 'bobby', 3, 'carol']);
    expect(answer).toEqual([{ 'number of rows inserted': 1, 'number of rows updated': 1 }]);
    const rows = await sf.sql('SELECT ID, SUBJECT FROM DSR.EVIDENCE.FINDINGS WHERE ID IN (2, 3) ORDER BY ID');
    expect(rows).toEqual([
      { ID: '2', SUBJECT: 'bobby' },
      { ID: '3', SUBJECT: 'carol' },
    ]);
  });

  it('answers INFORMATION_SCHEMA.COLUMNS with the declared types, lengths, precision and scale', async () => {
    // Prepare: drift seeded the way tests of the product do it
    await sf.sql('ALTER TABLE DSR.EVIDENCE.FINDINGS ADD COLUMN NOTE VARCHAR(200)');
    await sf.sql('ALTER TABLE DSR.EVIDENCE.FINDINGS DROP COLUMN AMOUNT');

    // Act
    const rows = await executeOnDriver(
      conn,
      `SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE,
         CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE
       FROM DSR.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      ['EVIDENCE', 'FINDINGS'],
    );

    // Assess
    const base = { TABLE_CATALOG: 'DSR', TABLE_SCHEMA: 'EVIDENCE', TABLE_NAME: 'FINDINGS' };
    expect(rows).toEqual([
      {
        ...base,
        COLUMN_NAME: 'ID',
        ORDINAL_POSITION: 1,
        DATA_TYPE: 'NUMBER',
        CHARACTER_MAXIMUM_LENGTH: null,
        NUMERIC_PRECISION: 38,
        NUMERIC_SCALE: 0,
        IS_NULLABLE: 'NO',
      },
      {
        ...base,
        COLUMN_NAME: 'SUBJECT',
        ORDINAL_POSITION: 2,
        DATA_TYPE: 'TEXT',
        CHARACTER_MAXIMUM_LENGTH: 16,
        NUMERIC_PRECISION: null,
        NUMERIC_SCALE: null,
        IS_NULLABLE: 'YES',
      },
      {
        ...base,
        COLUMN_NAME: 'DOC',
        ORDINAL_POSITION: 3,
        DATA_TYPE: 'VARIANT',
        CHARACTER_MAXIMUM_LENGTH: null,
        NUMERIC_PRECISION: null,
        NUMERIC_SCALE: null,
        IS_NULLABLE: 'YES',
      },
      {
        ...base,
        COLUMN_NAME: 'FOUND_AT',
        ORDINAL_POSITION: 4,
        DATA_TYPE: 'TIMESTAMP_TZ',
        CHARACTER_MAXIMUM_LENGTH: null,
        NUMERIC_PRECISION: null,
        NUMERIC_SCALE: null,
        IS_NULLABLE: 'YES',
      },
      {
        ...base,
        COLUMN_NAME: 'NOTE',
        ORDINAL_POSITION: 5,
        DATA_TYPE: 'TEXT',
        CHARACTER_MAXIMUM_LENGTH: 200,
        NUMERIC_PRECISION: null,
        NUMERIC_SCALE: null,
        IS_NULLABLE: 'YES',
      },
    ]);
  });

  it('answers INFORMATION_SCHEMA.COLUMNS without a database prefix within the session database', async () => {
    const scoped = await connectTestDriver(sf, { database: 'DSR' });
    const rows = await executeOnDriver(
      scoped,
      'SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      ['EVIDENCE', 'FINDINGS'],
    );
    expect(rows.map((r) => r.COLUMN_NAME)).toEqual(['ID', 'SUBJECT', 'DOC', 'FOUND_AT', 'NOTE']);
    await destroyDriver(scoped);
  });

  it("enforces VARCHAR(n) with Snowflake's error, without echoing the value", async () => {
    const failure = executeOnDriver(conn, 'INSERT INTO DSR.EVIDENCE.FINDINGS (ID, SUBJECT) VALUES (?, ?)', [
      9,
      'a-value-that-is-far-too-long',
    ]);
    await expect(failure).rejects.toMatchObject({ code: '100074', sqlState: '22000' });
    await expect(failure).rejects.toSatisfy((e: Error) => !e.message.includes('far-too-long'));
    expect(await sf.sql('SELECT ID FROM DSR.EVIDENCE.FINDINGS WHERE ID = 9')).toEqual([]);
  });

  it('rolls back a whole array bind when one row breaks a length', async () => {
    const failure = executeOnDriver(conn, 'INSERT INTO DSR.EVIDENCE.FINDINGS (ID, SUBJECT) VALUES (?, ?)', [
      [10, 'ok'],
      [11, 'this one is much too long'],
    ]);
    await expect(failure).rejects.toMatchObject({ code: '100074' });
    expect(await sf.sql('SELECT ID FROM DSR.EVIDENCE.FINDINGS WHERE ID IN (10, 11)')).toEqual([]);
  });

  it('checks the rows a MERGE adds after the rows already there, and the rows a MERGE updates', async () => {
    // Prepare: rows already there, so that an added row's id is above theirs
    await executeOnDriver(conn, MERGE_FLATTEN, [
      JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: 1000 + i, subject: `s${i}`, doc: {} }))),
    ]);
    const addOnly = `MERGE INTO DSR.EVIDENCE.FINDINGS t
      USING (SELECT f.value:id::NUMBER(38,0) AS ID, f.value:subject::VARCHAR AS SUBJECT
             FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f) s ON t.ID = s.ID
      WHEN NOT MATCHED THEN INSERT (ID, SUBJECT) VALUES (s.ID, s.SUBJECT)`;

    // Act
    const added = executeOnDriver(conn, addOnly, [
      JSON.stringify([
        { id: 1100, subject: 'ok' },
        { id: 1101, subject: 'this one is much too long' },
      ]),
    ]);
    const updated = executeOnDriver(conn, MERGE_FLATTEN, [
      JSON.stringify([{ id: 1000, subject: 'this one is much too long', doc: {} }]),
    ]);

    // Assess
    await expect(added).rejects.toMatchObject({ code: '100074' });
    await expect(updated).rejects.toMatchObject({ code: '100074' });
    expect(
      await sf.sql(
        'SELECT ID, SUBJECT FROM DSR.EVIDENCE.FINDINGS WHERE ID IN (1000, 1100, 1101) ORDER BY ID',
      ),
    ).toEqual([{ ID: '1000', SUBJECT: 's0' }]);
    await sf.sql('DELETE FROM DSR.EVIDENCE.FINDINGS WHERE ID >= 1000');
  });

  it("reads VARIANT paths: col:field::string, col:a.b::number, col['x'], arrays", async () => {
    // Prepare
    await executeOnDriver(conn, 'INSERT INTO DSR.EVIDENCE.FINDINGS (ID, DOC) SELECT ?, PARSE_JSON(?)', [
      20,
      '{"email":"A@x.org","a":{"b":42.7},"x":{"y":"z"},"list":[{"n":"first"},{"n":"second"}],"Case":"kept"}',
    ]);

    // Act
    const [row = {}] = await executeOnDriver(
      conn,
      `SELECT DOC:email::string AS EMAIL, DOC:a.b::number AS B, DOC['x'] AS X, DOC:list[1].n::string AS SECOND,
         DOC:Case::string AS CASED, DOC:missing::string AS MISSING
       FROM DSR.EVIDENCE.FINDINGS WHERE ID = ?`,
      [20],
    );

    // Assess
    expect(row).toEqual({
      EMAIL: 'A@x.org',
      B: 43,
      X: { y: 'z' },
      SECOND: 'second',
      CASED: 'kept',
      MISSING: null,
    });
  });

  it('selects with IN, ORDER BY, LIMIT and COUNT(*)', async () => {
    const rows = await executeOnDriver(
      conn,
      'SELECT ID FROM DSR.EVIDENCE.FINDINGS WHERE ID IN (?, ?, ?) ORDER BY ID DESC LIMIT 2',
      [1, 2, 3],
    );
    const [count] = await executeOnDriver(conn, 'SELECT COUNT(*) AS N FROM DSR.EVIDENCE.FINDINGS');
    expect(rows).toEqual([{ ID: 3 }, { ID: 2 }]);
    expect(count).toEqual({ N: 4 });
  });

  it('inserts CURRENT_TIMESTAMP() into a TIMESTAMP_TZ and INSERT … SELECT copies rows', async () => {
    await executeOnDriver(conn, 'CREATE TABLE DSR.EVIDENCE.COPY (ID NUMBER, AT TIMESTAMP_TZ)');
    const [answer] = await executeOnDriver(
      conn,
      'INSERT INTO DSR.EVIDENCE.COPY (ID, AT) SELECT ID, CURRENT_TIMESTAMP() FROM DSR.EVIDENCE.FINDINGS',
    );
    const [row = {}] = await executeOnDriver(conn, 'SELECT MIN(AT) AS AT FROM DSR.EVIDENCE.COPY');
    expect(answer).toEqual({ 'number of rows inserted': 4 });
    expect(Math.abs((row.AT as Date).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('deletes, truncates and drops', async () => {
    const [deleted] = await executeOnDriver(conn, 'DELETE FROM DSR.EVIDENCE.COPY WHERE ID = ?', [1]);
    expect(deleted).toEqual({ 'number of rows deleted': 1 });
    await executeOnDriver(conn, 'TRUNCATE TABLE DSR.EVIDENCE.COPY');
    expect(await sf.sql('SELECT COUNT(*) AS N FROM DSR.EVIDENCE.COPY')).toEqual([{ N: '0' }]);
    await executeOnDriver(conn, 'DROP TABLE IF EXISTS DSR.EVIDENCE.COPY');
    await executeOnDriver(conn, 'DROP TABLE IF EXISTS DSR.EVIDENCE.COPY');
    await expect(executeOnDriver(conn, 'SELECT * FROM DSR.EVIDENCE.COPY')).rejects.toMatchObject({
      code: '002003',
    });
    const remaining = await sf.sql(
      "SELECT COUNT(*) AS N FROM DSR.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'COPY'",
    );
    expect(remaining).toEqual([{ N: '0' }]);
  });

  it('FLATTEN gives an array its INDEX and an object its KEY, whatever the member names look like', async () => {
    // Act
    const array = await sf.sql(
      'SELECT f.index AS I, f.key AS K, f.path AS P, f.value::VARCHAR AS V FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f ORDER BY f.index',
      ['[10,{"a":1},[2]]'],
    );
    const object = await sf.sql(
      'SELECT f.index AS I, f.key AS K FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f ORDER BY f.key',
      ['{"$[1]":1,"0":2,"[0]":3,"a b":4}'],
    );

    // Assess
    expect(array).toEqual([
      { I: '0', K: null, P: '$[0]', V: '10' },
      { I: '1', K: null, P: '$[1]', V: '{"a":1}' },
      { I: '2', K: null, P: '$[2]', V: '[2]' },
    ]);
    expect(object).toEqual([
      { I: null, K: '$[1]' },
      { I: null, K: '0' },
      { I: null, K: '[0]' },
      { I: null, K: 'a b' },
    ]);
  });

  it('FLATTEN over a column expands each row of the table', async () => {
    // Prepare
    await sf.sql('CREATE TABLE DSR.EVIDENCE.DOCS (ID NUMBER(38,0), LIST VARIANT)');
    await sf.sql(`INSERT INTO DSR.EVIDENCE.DOCS SELECT 1, PARSE_JSON('[11,12]')`);
    await sf.sql(`INSERT INTO DSR.EVIDENCE.DOCS SELECT 2, PARSE_JSON('[21]')`);

    // Act
    const rows = await sf.sql(
      'SELECT d.ID, f.index AS I, f.value::NUMBER AS V FROM DSR.EVIDENCE.DOCS d, TABLE(FLATTEN(INPUT => d.LIST)) f ORDER BY d.ID, f.index',
    );

    // Assess
    expect(rows).toEqual([
      { ID: '1', I: '0', V: '11' },
      { ID: '1', I: '1', V: '12' },
      { ID: '2', I: '0', V: '21' },
    ]);
  });

  it('keeps the case of quoted identifiers', async () => {
    await executeOnDriver(conn, 'CREATE TABLE DSR.EVIDENCE."MixedCase" ("lower" VARCHAR, UPPERED VARCHAR)');
    await executeOnDriver(conn, 'INSERT INTO DSR.EVIDENCE."MixedCase" ("lower", uppered) VALUES (?, ?)', [
      'a',
      'b',
    ]);
    const rows = await executeOnDriver(conn, 'SELECT * FROM DSR.EVIDENCE."MixedCase"');
    expect(rows).toEqual([{ lower: 'a', UPPERED: 'b' }]);
  });
});
