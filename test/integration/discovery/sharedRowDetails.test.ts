import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNotFollowed } from '../../../shared/discovery/NotFollowed';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Payments between two people, each pointing at the payer's billing address (`billing_address_id`,
 * not the payment's key), with lines of their own (`payment_lines.payment_id`, onto the key). Ben
 * paid Ana (payment 1000, his address 100); Ana paid the shop alone (payment 2000, her address 200).
 */
const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.addresses (id int PRIMARY KEY, street text);
  CREATE TABLE app.payments (id int PRIMARY KEY, payer_id int, payee_id int, billing_address_id int, amount numeric);
  CREATE TABLE app.payment_lines (id int PRIMARY KEY, payment_id int, item text);
  INSERT INTO app.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO app.addresses VALUES (100, 'ben street'), (200, 'ana street');
  INSERT INTO app.payments VALUES (1000, 2, 1, 100, 5), (2000, 1, NULL, 200, 7);
  INSERT INTO app.payment_lines VALUES (1, 1000, 'gift'), (2, 2000, 'book');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
  - table: app.payments
    primaryKey: [id]
    follow: { payer_id: app.users.id, payee_id: app.users.id }
  - table: app.addresses
    primaryKey: [id]
    follow: { id: app.payments.billing_address_id }
  - table: app.payment_lines
    primaryKey: [id]
    follow: { payment_id: app.payments.id }
`;

let pg: TestDatabase;
let db: PgDatabase;
beforeAll(async () => {
  pg = await createTestDatabase('shared_row_details');
  await pg.exec(SCHEMA);
  db = openDatabase(pg.dsn);
});
afterAll(async () => {
  await db.end();
  await pg.drop();
});

describe('Discovery (details only rows shared with another person point at)', () => {
  it("leaves Ben's billing address out of Ana's answer, keeps her own and the shared payment's lines, and says so", async () => {
    // Act
    const { document } = await discoverWith(db, MAP, { email: ['ana@x.test'] });

    // Assess: before, Ben's billing address (100) was in Ana's answer through the payment he made her.
    expect(document.findings.map((f) => `${f.table} ${JSON.stringify(f.key)}`)).toEqual([
      'app.addresses {"id":200}',
      'app.payment_lines {"id":1}',
      'app.payment_lines {"id":2}',
      'app.payments {"id":1000}',
      'app.payments {"id":2000}',
      'app.users {"id":1}',
    ]);
    expect(document.notFollowed).toEqual([
      {
        system: 'postgres',
        table: 'app.payments',
        column: 'billing_address_id',
        into: ['postgres:app.addresses.id'],
        othersOnly: true,
        throughShared: true,
        rows: 1,
        values: 1,
      },
    ]);
    expect(describeNotFollowed(document.notFollowed?.[0] as never)).toBe(
      "1 row of app.addresses reached through app.payments.billing_address_id left out: only rows shared with other people point at it, and it names no one, so it may be another person's",
    );
  });

  it('gives the address to no one through the shared payment alone, also not to Ben, and says so', async () => {
    // Act
    const { document } = await discoverWith(db, MAP, { email: ['ben@x.test'] });

    // Assess: the map cannot say whose the address is; an incomplete answer that says so.
    expect(document.findings.filter((f) => f.table === 'app.addresses')).toEqual([]);
    expect(document.notFollowed).toEqual([expect.objectContaining({ throughShared: true, rows: 1 })]);
  });

  it('keeps her address when her own payment, found a round later, points at it too', async () => {
    // Prepare: payment 2, hers alone, is reached only through her customer record (round 3), after
    // the shared payment 1 (round 2) handed the address on.
    await pg.exec(`
      CREATE SCHEMA late;
      CREATE TABLE late.users (id int PRIMARY KEY, email text);
      CREATE TABLE late.customers (id int PRIMARY KEY, user_id int, loyalty_no text);
      CREATE TABLE late.addresses (id int PRIMARY KEY, street text);
      CREATE TABLE late.payments (id int PRIMARY KEY, payer_id int, payee_id int, customer_id int, billing_address_id int);
      INSERT INTO late.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
      INSERT INTO late.customers VALUES (30, 1, 'L-ANA'), (31, 2, 'L-BEN');
      INSERT INTO late.addresses VALUES (12, 'ana home');
      INSERT INTO late.payments VALUES (1, 1, 2, NULL, 12), (2, NULL, NULL, 30, 12);
    `);
    const map = `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - { table: late.users, primaryKey: [id], identities: { email: email, user_id: id }, learn: [user_id] }
  - { table: late.customers, primaryKey: [id], follow: { user_id: late.users.id } }
  - { table: late.payments, primaryKey: [id], follow: { payer_id: late.users.id, payee_id: late.users.id, customer_id: late.customers.id } }
  - { table: late.addresses, primaryKey: [id], follow: { id: late.payments.billing_address_id } }
`;

    // Act
    const { document } = await discoverWith(db, map, { email: ['ana@x.test'] });

    // Assess: before, the address was judged when only the shared payment had handed it on, left
    // out with a note saying only shared rows point at it, and never searched again.
    expect(document.findings.filter((f) => f.table === 'late.addresses').map((f) => f.key)).toEqual([
      { id: 12 },
    ]);
    expect(document.notFollowed ?? []).toEqual([]);
  });
});
