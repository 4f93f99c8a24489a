import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { SnowflakeScanSource } from '../../../shared/scan/SnowflakeScanSource';
import { snowflakeExecuteOver } from '../../../shared/scan/snowflakeExecuteOver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

let sf: LocalSnowflake;
let db: SnowflakeDatabase;

beforeAll(async () => {
  sf = await startTestSnowflake();
  db = openTestSnowflakeDatabase(sf);
  const execute = snowflakeExecuteOver(db);
  await execute('CREATE DATABASE IF NOT EXISTS ANALYTICS', []);
  await execute('CREATE SCHEMA IF NOT EXISTS ANALYTICS.CRM', []);
  await execute(
    'CREATE TABLE ANALYTICS.CRM.CONTACTS (ID NUMBER, EMAIL VARCHAR, PROFILE VARIANT, BORN DATE)',
    [],
  );
  for (let i = 1; i <= 20; i++) {
    await execute(
      'INSERT INTO ANALYTICS.CRM.CONTACTS (ID, EMAIL, PROFILE, BORN) SELECT ?, ?, PARSE_JSON(?), TO_DATE(?)',
      [
        i,
        `contact${i}@crm-example.org`,
        JSON.stringify({ phone: `+44 20 7946 ${1000 + i}` }),
        `1980-01-0${(i % 9) + 1}`,
      ],
    );
  }
});

afterAll(async () => {
  await db?.close();
  await sf?.stop();
});

describe('Class: SnowflakeScanSource through the real driver', () => {
  it('lists columns from INFORMATION_SCHEMA and samples them as text', async () => {
    const source = new SnowflakeScanSource({ execute: snowflakeExecuteOver(db), databases: ['ANALYTICS'] });
    const tables = await source.listTables();
    const contacts = tables.find((t) => t.table === 'ANALYTICS.CRM.CONTACTS');
    expect(contacts?.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'ID:number',
      'EMAIL:text',
      'PROFILE:json',
      'BORN:date',
    ]);
    if (!contacts) return;
    const rows = await source.sample(contacts, contacts.columns, 5);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(5);
    for (const [id, email, profile, born] of rows) {
      expect(id).toMatch(/^\d+$/);
      expect(email).toMatch(/@crm-example\.org$/);
      expect(JSON.parse(profile ?? 'null')).toHaveProperty('phone');
      expect(born).toMatch(/^1980-01-0\d$/);
    }
  });
});

describe('Function: snowflakeExecuteOver', () => {
  it('returns every value as text, in the forms the detectors read', async () => {
    const rows = await snowflakeExecuteOver(db)(
      `SELECT TO_VARCHAR("ID") AS C0, LEFT("EMAIL", 4096) AS C1, TO_JSON("PROFILE") AS C2,
              TO_VARCHAR("BORN", 'YYYY-MM-DD') AS C3
       FROM "ANALYTICS"."CRM"."CONTACTS" WHERE "ID" = ?`,
      [3],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.C0).toBe('3');
    expect(row?.C1).toMatch(/^contact3@crm-example\.org$/);
    expect(JSON.parse(row?.C2 ?? 'null')).toEqual({ phone: '+44 20 7946 1003' });
    expect(row?.C3).toBe('1980-01-04');
  });
});
