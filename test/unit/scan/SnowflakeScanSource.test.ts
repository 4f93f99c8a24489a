import { describe, expect, it } from 'vitest';
import { SnowflakeScanSource, snowflakeColumnKind } from '../../../shared/scan/SnowflakeScanSource';

function fakeExecute(responses: Record<string, string | null>[][]) {
  const calls: { sql: string; binds: readonly (string | number)[] }[] = [];
  const execute = async (sql: string, binds: readonly (string | number)[]) => {
    calls.push({ sql, binds });
    return responses.shift() ?? [];
  };
  return { calls, execute };
}

const COLUMN_ROWS = [
  {
    TABLE_CATALOG: 'ANALYTICS',
    TABLE_SCHEMA: 'PUBLIC',
    TABLE_NAME: 'USERS',
    COLUMN_NAME: 'EMAIL',
    DATA_TYPE: 'TEXT',
    ROW_COUNT: '10',
  },
  {
    TABLE_CATALOG: 'ANALYTICS',
    TABLE_SCHEMA: 'PUBLIC',
    TABLE_NAME: 'USERS',
    COLUMN_NAME: 'PROFILE',
    DATA_TYPE: 'VARIANT',
    ROW_COUNT: '10',
  },
  {
    TABLE_CATALOG: 'ANALYTICS',
    TABLE_SCHEMA: 'PUBLIC',
    TABLE_NAME: 'USERS',
    COLUMN_NAME: 'Born "on"',
    DATA_TYPE: 'DATE',
    ROW_COUNT: '10',
  },
  {
    TABLE_CATALOG: 'ANALYTICS',
    TABLE_SCHEMA: 'RAW',
    TABLE_NAME: 'CLICKS',
    COLUMN_NAME: 'IP',
    DATA_TYPE: 'TEXT',
    ROW_COUNT: '50000000',
  },
];

describe('Class: SnowflakeScanSource', () => {
  it('lists tables from INFORMATION_SCHEMA.COLUMNS of each database, binding the values', async () => {
    const { calls, execute } = fakeExecute([COLUMN_ROWS]);
    const tables = await new SnowflakeScanSource({ execute, databases: ['ANALYTICS'] }).listTables();
    expect(calls[0]?.sql).toContain('FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS');
    expect(calls[0]?.binds).toEqual(['INFORMATION_SCHEMA']);
    expect(
      tables.map((t) => [t.table, t.estimatedRows, t.columns.map((c) => `${c.name}:${c.kind}`)]),
    ).toEqual([
      ['ANALYTICS.PUBLIC.USERS', 10, ['EMAIL:text', 'PROFILE:json', 'Born "on":date']],
      ['ANALYTICS.RAW.CLICKS', 50_000_000, ['IP:text']],
    ]);
  });

  it('samples a small table with SAMPLE (N ROWS), quoting every name, and returns values in column order', async () => {
    const { calls, execute } = fakeExecute([COLUMN_ROWS, [{ C0: 'x', C1: '{"a":1}', C2: null }]]);
    const source = new SnowflakeScanSource({ execute, databases: ['ANALYTICS'] });
    const [users] = await source.listTables();
    if (!users) throw new Error('no table');
    const rows = await source.sample(users, users.columns, 100);
    expect(rows).toEqual([['x', '{"a":1}', null]]);
    expect(calls[1]?.sql).toBe(
      'SELECT LEFT("EMAIL", 4096) AS C0, TO_JSON("PROFILE") AS C1, TO_VARCHAR("Born ""on""", \'YYYY-MM-DD\') AS C2 ' +
        'FROM "ANALYTICS"."PUBLIC"."USERS" SAMPLE (100 ROWS)',
    );
  });

  it('samples a large table by blocks with a LIMIT, never a full read', async () => {
    const { calls, execute } = fakeExecute([COLUMN_ROWS, [{ C0: '203.0.113.9' }]]);
    const source = new SnowflakeScanSource({ execute, databases: ['ANALYTICS'] });
    const clicks = (await source.listTables())[1];
    if (!clicks) throw new Error('no table');
    await source.sample(clicks, clicks.columns, 1000);
    expect(calls[1]?.sql).toMatch(
      /FROM "ANALYTICS"\."RAW"\."CLICKS" SAMPLE SYSTEM \(0\.008000\) LIMIT 1000$/,
    );
  });

  it('refuses a sample size that is not a positive integer', async () => {
    const { execute } = fakeExecute([]);
    const source = new SnowflakeScanSource({ execute, databases: [] });
    const table = {
      system: 'snowflake' as const,
      table: 'A.B.C',
      parts: ['A', 'B', 'C'],
      columns: [],
      estimatedRows: 1,
    };
    await expect(source.sample(table, [], 1.5)).rejects.toThrow(/positive integer/);
  });

  it('maps Snowflake data types to how a scan reads them', () => {
    expect(
      ['TEXT', 'VARIANT', 'OBJECT', 'NUMBER', 'TIMESTAMP_TZ', 'DATE', 'BINARY', 'BOOLEAN'].map(
        snowflakeColumnKind,
      ),
    ).toEqual(['text', 'json', 'json', 'number', 'date', 'date', 'other', 'other']);
  });
});
