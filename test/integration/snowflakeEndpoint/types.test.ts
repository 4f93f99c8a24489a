import type { Connection } from 'snowflake-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

const EXACT_NUMBER = '12345678901234567890.123456789012345678';
const VARIANT_TEXT =
  '{"big":123456789012345678901234567890,"items":[{"a":[{"b":1},{"c":[true,null]}]},{"d":"x"}]}';

describe('Local Snowflake endpoint: type round trips, with the real driver', () => {
  let sf: LocalSnowflake;
  let conn: Connection;
  let exact: Connection;

  beforeAll(async () => {
    sf = await startTestSnowflake();
    await sf.sql('CREATE DATABASE IF NOT EXISTS DSR');
    await sf.sql('CREATE SCHEMA IF NOT EXISTS DSR.TYPES');
    await sf.sql(`CREATE TABLE DSR.TYPES.ALL_TYPES (
      ID INTEGER NOT NULL, NAME VARCHAR(20), AMOUNT NUMBER(38,18), RATIO FLOAT, OK BOOLEAN, BORN DATE,
      SEEN_TZ TIMESTAMP_TZ, SEEN_NTZ TIMESTAMP_NTZ, SEEN_LTZ TIMESTAMP_LTZ, DOC VARIANT, OBJ OBJECT,
      ARR ARRAY, BLOB BINARY)`);
    conn = await connectTestDriver(sf, { database: 'DSR', schema: 'TYPES' });
    exact = await connectTestDriver(sf, {
      database: 'DSR',
      schema: 'TYPES',
      fetchAsString: ['Number', 'JSON', 'Date'],
    });
    await executeOnDriver(
      conn,
      `INSERT INTO ALL_TYPES (ID, NAME, AMOUNT, RATIO, OK, BORN, SEEN_TZ, SEEN_NTZ, SEEN_LTZ, DOC, OBJ, ARR, BLOB)
       SELECT ?, ?, ?, ?, ?, ?, TO_TIMESTAMP_TZ(?), ?, ?, PARSE_JSON(?), PARSE_JSON(?), PARSE_JSON(?), TO_BINARY(?, 'HEX')`,
      [
        1,
        'Zoë',
        EXACT_NUMBER,
        1.5,
        true,
        '2024-02-29',
        '2024-03-01T10:00:00.123456789+05:30',
        '2024-01-02 03:04:05.678',
        '2024-01-02T03:04:05.678Z',
        VARIANT_TEXT,
        '{"k":"v"}',
        '[1,"two",{"three":3}]',
        'DEADBEEF',
      ],
    );
  });
  afterAll(async () => {
    await destroyDriver(conn);
    await destroyDriver(exact);
    await sf?.stop();
  });

  it('keeps every digit of a NUMBER(38,18) when fetched as string', async () => {
    const [row = {}] = await executeOnDriver(exact, 'SELECT AMOUNT FROM ALL_TYPES WHERE ID = ?', [1]);
    expect(row.AMOUNT).toBe(EXACT_NUMBER);
  });

  it('keeps a VARIANT exact as text: a 30-digit number and nested arrays of objects', async () => {
    const [row = {}] = await executeOnDriver(exact, 'SELECT DOC FROM ALL_TYPES');
    expect(row.DOC).toBe(VARIANT_TEXT);
  });

  it('returns VARIANT, OBJECT and ARRAY parsed by default', async () => {
    const [row = {}] = await executeOnDriver(conn, 'SELECT OBJ, ARR FROM ALL_TYPES');
    expect(row.OBJ).toEqual({ k: 'v' });
    expect(row.ARR).toEqual([1, 'two', { three: 3 }]);
  });

  it('keeps the +05:30 offset of a TIMESTAMP_TZ', async () => {
    const [asDate = {}] = await executeOnDriver(conn, 'SELECT SEEN_TZ FROM ALL_TYPES');
    const [asText] = await executeOnDriver(exact, 'SELECT SEEN_TZ FROM ALL_TYPES');
    const value = asDate.SEEN_TZ as Date & { getTimezone(): number; getNanoSeconds(): number };
    expect(value.toISOString()).toBe('2024-03-01T04:30:00.123Z');
    expect(value.getNanoSeconds()).toBe(123_456_789);
    expect(asText?.SEEN_TZ).toBe('2024-03-01 10:00:00.123 +0530');
  });

  it('round-trips TIMESTAMP_NTZ and TIMESTAMP_LTZ as instants', async () => {
    const [row = {}] = await executeOnDriver(conn, 'SELECT SEEN_NTZ, SEEN_LTZ FROM ALL_TYPES');
    expect((row.SEEN_NTZ as Date).toISOString()).toBe('2024-01-02T03:04:05.678Z');
    expect((row.SEEN_LTZ as Date).toISOString()).toBe('2024-01-02T03:04:05.678Z');
  });

  it('round-trips BINARY, DATE, BOOLEAN, FLOAT, INTEGER and VARCHAR', async () => {
    const [row = {}] = await executeOnDriver(conn, 'SELECT ID, NAME, RATIO, OK, BORN, BLOB FROM ALL_TYPES');
    expect(row.ID).toBe(1);
    expect(row.NAME).toBe('Zoë');
    expect(row.RATIO).toBe(1.5);
    expect(row.OK).toBe(true);
    expect((row.BORN as Date).toISOString().slice(0, 10)).toBe('2024-02-29');
    expect(Buffer.isBuffer(row.BLOB)).toBe(true);
    expect((row.BLOB as Buffer).toString('hex')).toBe('deadbeef');
  });

  it('round-trips NULL in every type', async () => {
    await executeOnDriver(conn, 'INSERT INTO ALL_TYPES (ID) VALUES (?)', [2]);
    const [row = {}] = await executeOnDriver(conn, 'SELECT * FROM ALL_TYPES WHERE ID = 2');
    const { ID, ...rest } = row ?? {};
    expect(ID).toBe(2);
    expect(Object.values(rest).every((v) => v === null)).toBe(true);
    expect(Object.keys(rest)).toHaveLength(12);
  });

  it('binds a BINARY from base64 text', async () => {
    const [row = {}] = await executeOnDriver(conn, "SELECT TO_BINARY(?, 'BASE64') AS B", [
      Buffer.from('hello').toString('base64'),
    ]);
    expect((row.B as Buffer).toString('utf8')).toBe('hello');
  });

  it('describes result columns with Snowflake row types', async () => {
    const columns = await new Promise<{ name: string; type: string; precision: number; scale: number }[]>(
      (resolve, reject) => {
        conn.execute({
          sqlText:
            'SELECT ID, NAME, AMOUNT, RATIO, OK, BORN, SEEN_TZ, SEEN_NTZ, DOC, OBJ, ARR, BLOB FROM ALL_TYPES',
          complete: (error, statement) =>
            error
              ? reject(error)
              : resolve(
                  (statement.getColumns() ?? []).map((c) => ({
                    name: c.getName(),
                    type: c.getType(),
                    precision: c.getPrecision(),
                    scale: c.getScale(),
                  })),
                ),
        });
      },
    );
    expect(columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'ID:fixed',
      'NAME:text',
      'AMOUNT:fixed',
      'RATIO:real',
      'OK:boolean',
      'BORN:date',
      'SEEN_TZ:timestamp_tz',
      'SEEN_NTZ:timestamp_ntz',
      'DOC:variant',
      'OBJ:object',
      'ARR:array',
      'BLOB:binary',
    ]);
    expect(columns[2]).toMatchObject({ precision: 38, scale: 18 });
  });

  it('upper-cases unquoted result names and keeps quoted ones', async () => {
    const [row = {}] = await executeOnDriver(
      conn,
      'SELECT 1 AS lower_name, 2 AS "MixedCase", COUNT(*) FROM ALL_TYPES',
    );
    expect(Object.keys(row ?? {})).toEqual(['LOWER_NAME', 'MixedCase', 'COUNT(*)']);
  });
});
