import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initDataMap } from '../../../shared/datamapInit/initDataMap';
import { renderInitialDataMap } from '../../../shared/datamapInit/renderInitialDataMap';
import { DsnCredentialSource } from '../../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/** Accounts keep national numbers; orders keep the same numbers with their country code. */
const SCHEMA = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, phone text);
  CREATE TABLE shop.orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES shop.users, contact_phone text);
  INSERT INTO shop.users SELECT i, 'user' || i || '@shop-example.com', '206.555.0' || lpad(i::text, 3, '0')
    FROM generate_series(1, 30) i;
  INSERT INTO shop.orders SELECT k, k, '+1 206 555 0' || lpad(k::text, 3, '0') FROM generate_series(1, 20) k;
  ANALYZE;
`;

let test: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  test = await createTestDatabase('init_phone_forms');
  await test.exec(SCHEMA);
  db = new PgDatabase({ credentials: new DsnCredentialSource(test.dsn) });
});

afterAll(async () => {
  await db?.end();
  await test?.drop();
});

describe('Function: initDataMap with phone numbers written in two forms', () => {
  it('says, with the counts, that numbers with and without a country code will not match as digits', async () => {
    // Act
    const yaml = renderInitialDataMap(await initDataMap(db, { schemas: ['shop'] }), 'the PostgreSQL catalog');

    // Assess: the header says so, and the proposal is still the one it was (digits): the region
    // the national numbers belong to is not in the data.
    expect(yaml).toContain(
      '# phone: 20 of 50 sampled numbers are written with a country code and 30 without one. Compared as digits, the two forms of one number never match',
    );
    expect(parse(yaml).identities.phone).toEqual({ normalize: 'digits' });
    expect(yaml).not.toMatch(/206\.555|\+1 206 555 0\d/);
  });

  it('says nothing of the kind when every number has its country code', async () => {
    // Prepare
    await test.exec(`UPDATE shop.users SET phone = '+1 206 555 0' || lpad(id::text, 3, '0')`);

    // Act
    const yaml = renderInitialDataMap(await initDataMap(db, { schemas: ['shop'] }), 'the PostgreSQL catalog');

    // Assess
    expect(yaml).not.toContain('sampled numbers are written with a country code');
  });
});
