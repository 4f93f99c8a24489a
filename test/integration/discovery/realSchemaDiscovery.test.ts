import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import type { CanonicalRow, CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import type { FindingsDocument } from '../../../shared/discovery/FindingsDocument';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { discoverWith, openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

/**
 * A schema shaped like real estates: no foreign-key constraints, one address table referred to by
 * four columns, a ticket table that mentions a staff member and customers in one row, one identity
 * kind in two columns, and an audit log without a primary key holding identical duplicate rows.
 */
const SCHEMA = `
  CREATE TABLE public.address (id int PRIMARY KEY, street text NOT NULL);
  CREATE TABLE public.customer (id int PRIMARY KEY, email text NOT NULL, name text, address_id int);
  CREATE TABLE public.employee (id int PRIMARY KEY, email text NOT NULL, name text, address_id int);
  CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int, billing_address_id int, shipping_address_id int, total numeric(10,2));
  CREATE TABLE public.payment_card (id int PRIMARY KEY, customer_id int, last4 text, card_token text);
  CREATE TABLE public.login (id int PRIMARY KEY, customer_id int, at text);
  CREATE TABLE public.service_request (id int PRIMARY KEY, email text, alt_email text, employee_id int, body text);
  CREATE TABLE public.login_audit (customer_id int, event text, at text);

  INSERT INTO public.address VALUES (1, '1 Ana Street'), (2, '2 Ben Road'), (3, '3 Cleo Lane'), (4, '4 Staff Close'),
    (5, '5 Billing Way'), (6, '6 Shipping Row'), (7, '7 Gift Drive'), (8, '8 Ben Depot');
  INSERT INTO public.customer VALUES (1, 'Ana@X.test', 'Ana', 1), (2, 'ben@x.test', 'Ben', 2), (3, 'cleo@x.test', 'Cleo', 3);
  INSERT INTO public.employee VALUES (10, 'sam@corp.test', 'Sam', 4);
  INSERT INTO public.orders VALUES (100, 1, 5, 6, 10.00), (101, 1, 1, 7, 20.00), (102, 2, 2, 8, 30.00);
  INSERT INTO public.payment_card VALUES (200, 1, '4242', 'tok_ana'), (201, 2, '1111', 'tok_ben');
  INSERT INTO public.login VALUES (300, 1, '2024-01-01'), (301, 2, '2024-01-02');
  -- Tickets: Sam handled Ben's and Cleo's (Cleo wrote from an old address, her current one is the alternate);
  -- Ana filed one herself.
  INSERT INTO public.service_request VALUES
    (400, 'ben@x.test', NULL, 10, 'parcel late'),
    (401, 'cleo.old@x.test', 'CLEO@x.test', 10, 'refund'),
    (402, 'ana@x.test', NULL, NULL, 'change address');
  INSERT INTO public.login_audit VALUES
    (1, 'login', '2024-01-01'), (2, 'login', '2024-01-02'), (1, 'login', '2024-01-01'),
    (1, 'logout', '2024-01-01'), (1, 'login', '2024-01-01'), (3, 'login', '2024-01-03');
`;

const PG_MAP = `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
  employee_id: {}
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [email, customer_id]
  - table: public.employee
    primaryKey: [id]
    identities: { email: email, employee_id: id }
    learn: [email, employee_id]
  - table: public.address
    primaryKey: [id]
    follow:
      id:
        - public.customer.address_id
        - public.employee.address_id
        - public.orders.billing_address_id
        - public.orders.shipping_address_id
  - table: public.orders
    primaryKey: [id]
    follow: { customer_id: public.customer.id }
  - table: public.payment_card
    primaryKey: [id]
    follow: { customer_id: public.customer.id }
    columns: [id, customer_id, last4]
    categories: { last4: payment.card }
  - table: public.login
    primaryKey: [id]
    identities: { customer_id: customer_id }
  - table: public.service_request
    primaryKey: [id]
    identities: { email: [email, alt_email], employee_id: employee_id }
  - table: public.login_audit
    identities: { customer_id: customer_id }
`;

const CROSS_MAP = `${PG_MAP}snowflake:
  - table: ANALYTICS.PUBLIC.WEB_SESSIONS
    primaryKey: [SESSION_ID]
    follow: { CUSTOMER_ID: public.customer.id }
  - table: ANALYTICS.PUBLIC.PAGE_VIEWS
    follow: { CUSTOMER_ID: public.customer.id }
`;

let database: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  database = await createTestDatabase('real');
  await database.exec(SCHEMA);
  db = openDatabase(database.dsn);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

/** Every table's found keys, as compact text: `table: key key …` (the exact set, in findings order). */
function keysByTable(document: FindingsDocument): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [, tables] of Object.entries(document.counts))
    for (const table of Object.keys(tables)) out[table] = [];
  for (const f of document.findings) out[f.table]?.push(canonicalJson(f.key));
  return out;
}

const ids = (...values: number[]) => values.map((id) => `{"id":${id}}`);
const none: string[] = [];

/** The expected key of a keyless row: SHA-256 of its canonical JSON, and its occurrence number. */
const keylessKey = (row: CanonicalRow, n: number) => ({
  _n: n,
  _row: sha256Hex(canonicalJson(row as CanonicalValue)),
});

/** Keyless keys in findings order (by row hash, then occurrence), as canonical JSON. */
const keylessKeys = (...keys: { _n: number; _row: string }[]) =>
  keys
    .sort((a, b) => (a._row < b._row ? -1 : a._row > b._row ? 1 : a._n - b._n))
    .map((k) => canonicalJson(k));

describe('Discovery on a schema without foreign keys', () => {
  it("finds a staff member's own rows and the tickets they handled, but none of the customers in those tickets", async () => {
    const { document } = await discoverWith(db, PG_MAP, { employee_id: ['10'] });
    expect(keysByTable(document)).toEqual({
      'public.address': ids(4),
      'public.customer': none,
      'public.employee': ids(10),
      'public.login': none,
      'public.login_audit': none,
      'public.orders': none,
      'public.payment_card': none,
      'public.service_request': ids(400, 401),
    });
    // Found by email too: the employee id is learned from the employee row, the tickets' emails are not.
    const byEmail = await discoverWith(db, PG_MAP, { email: ['SAM@corp.test'] });
    expect(keysByTable(byEmail.document)).toEqual(keysByTable(document));
  });

  it('finds every address of a subject through the four columns that refer to it', async () => {
    const { document } = await discoverWith(db, PG_MAP, { email: ['ana@x.test'] });
    expect(keysByTable(document)).toEqual({
      // 1: customer.address_id and orders[101].billing; 5, 6: orders[100]; 7: orders[101].shipping.
      'public.address': ids(1, 5, 6, 7),
      'public.customer': ids(1),
      'public.employee': none,
      'public.login': ids(300),
      'public.login_audit': keylessKeys(
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'login' }, 1),
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'login' }, 2),
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'login' }, 3),
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'logout' }, 1),
      ),
      'public.orders': ids(100, 101),
      'public.payment_card': ids(200),
      'public.service_request': ids(402),
    });
    // The columns allow-list keeps the card token out.
    expect(document.findings.find((f) => f.table === 'public.payment_card')?.row).toEqual({
      customer_id: 1,
      id: 200,
      last4: '4242',
    });
    const staff = await discoverWith(db, PG_MAP, { employee_id: ['10'] });
    expect(staff.document.findings.filter((f) => f.table === 'public.address').map((f) => f.key)).toEqual([
      { id: 4 },
    ]);
  });

  it('finds a subject known by either of two email columns of one table', async () => {
    const current = await discoverWith(db, PG_MAP, { email: ['cleo@x.test'] });
    expect(keysByTable(current.document)).toMatchObject({
      'public.address': ids(3),
      'public.customer': ids(3),
      'public.service_request': ids(401),
    });
    expect(current.document.findings.map((f) => f.table)).toEqual([
      'public.address',
      'public.customer',
      'public.login_audit',
      'public.service_request',
    ]);
    // The old address reaches the ticket only: a ticket teaches nothing about who its customer is.
    const old = await discoverWith(db, PG_MAP, { email: ['cleo.old@x.test'] });
    expect(old.document.findings.map((f) => canonicalJson([f.table, f.key]))).toEqual([
      '["public.service_request",{"id":401}]',
    ]);
  });

  it('keys keyless rows by content and occurrence, the same across runs and page sizes', async () => {
    const runs = await Promise.all(
      [1, 2, 1000, 1].map((pageSize) => discoverWith(db, PG_MAP, { customer_id: ['1'] }, { pageSize })),
    );
    const audit = runs.map((r) =>
      r.document.findings.filter((f) => f.table === 'public.login_audit').map((f) => canonicalJson(f.key)),
    );
    expect(audit[0]).toEqual(
      keylessKeys(
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'login' }, 1),
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'login' }, 2),
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'login' }, 3),
        keylessKey({ at: '2024-01-01', customer_id: 1, event: 'logout' }, 1),
      ),
    );
    for (const keys of audit) expect(keys).toEqual(audit[0]);
    expect(new Set(runs.map((r) => r.json)).size).toBe(1);
    expect(runs[0]?.document.counts.postgres?.['public.login_audit']).toBe(4);
    // Every client went back to the pool, the cursor's included.
    expect(await db.checkedOut()).toBe(0);
  });

  it('records how each row was first reached: the identity and column, or the edge, and the round', async () => {
    const { document } = await discoverWith(db, PG_MAP, { email: ['ana@x.test'] });
    const provenanceOf = (table: string, key: number) =>
      document.findings.find((f) => f.table === table && f.key.id === key)?.provenance;
    expect(provenanceOf('public.customer', 1)).toEqual([
      { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
    ]);
    expect(provenanceOf('public.service_request', 402)).toEqual([
      { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
    ]);
    expect(provenanceOf('public.login', 300)).toEqual([
      { column: 'customer_id', identity: 'customer_id', round: 2, source: 'learned', via: 'identity' },
    ]);
    expect(provenanceOf('public.orders', 101)).toEqual([
      { column: 'customer_id', from: 'postgres:public.customer.id', round: 2, via: 'follow' },
    ]);
    // Address 1 is reached again in round 3 through an order's billing address: the first round counts.
    expect(provenanceOf('public.address', 1)).toEqual([
      { column: 'id', from: 'postgres:public.customer.address_id', round: 2, via: 'follow' },
    ]);
    expect(provenanceOf('public.address', 6)).toEqual([
      { column: 'id', from: 'postgres:public.orders.shipping_address_id', round: 3, via: 'follow' },
    ]);
    // Cleo's ticket matched on the alternate column only.
    const cleo = await discoverWith(db, PG_MAP, { email: ['cleo@x.test'] });
    expect(cleo.document.findings.find((f) => f.table === 'public.service_request')?.provenance).toEqual([
      { column: 'alt_email', identity: 'email', round: 1, source: 'request', via: 'identity' },
    ]);
    // A row matched by two searches of its first round lists both, sorted.
    const both = await discoverWith(db, PG_MAP, { email: ['ben@x.test'], employee_id: ['10'] });
    expect(
      both.document.findings.find((f) => f.key.id === 400 && f.table === 'public.service_request')
        ?.provenance,
    ).toEqual([
      { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
      { column: 'employee_id', identity: 'employee_id', round: 1, source: 'request', via: 'identity' },
    ]);
    // Provenance never carries identifier values.
    expect(JSON.stringify(document.findings.map((f) => f.provenance))).not.toMatch(/ana@|x\.test/);
  });
});

describe('Discovery across systems on that schema', () => {
  let sf: LocalSnowflake;
  let sfDb: SnowflakeDatabase;
  let map: DataMap;

  beforeAll(async () => {
    sf = await startTestSnowflake();
    await sf.sql('CREATE DATABASE ANALYTICS');
    await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
    await sf.sql(
      'CREATE TABLE ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID VARCHAR, CUSTOMER_ID NUMBER(38,0), PAGES NUMBER(10,0))',
    );
    await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.PAGE_VIEWS (CUSTOMER_ID NUMBER(38,0), PATH VARCHAR)');
    for (const [id, customer] of [
      ['s-1', 1],
      ['s-2', 2],
      ['s-3', 1],
    ] as const)
      await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT '${id}', ${customer}, 3`);
    for (const [customer, path] of [
      [1, '/a'],
      [1, '/b'],
      [1, '/a'],
      [2, '/a'],
      [1, '/c'],
    ] as const)
      await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.PAGE_VIEWS SELECT ${customer}, '${path}'`);
    sfDb = openTestSnowflakeDatabase(sf);
    map = parseDataMap(CROSS_MAP, 'cross.yaml');
  });

  afterAll(async () => {
    await sfDb?.close();
    await sf?.stop();
  });

  async function discover(identifiers: Record<string, string[]>, pageSize: number) {
    const postgres = await PostgresTableSearcher.create(db, map, 'cross.yaml');
    const snowflake = await SnowflakeTableSearcher.create(sfDb, map, 'cross.yaml', { pageSize });
    return discoverSubject(
      { dataMap: map, searchers: { postgres, snowflake }, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-real', identifiers },
    );
  }

  it('follows a Snowflake table keyed by a PostgreSQL id, and keys a keyless Snowflake table by content', async () => {
    const small = await discover({ email: ['ana@x.test'] }, 1);
    const large = await discover({ email: ['ana@x.test'] }, 1000);
    const sessions = small.document.findings.filter((f) => f.table === 'ANALYTICS.PUBLIC.WEB_SESSIONS');
    expect(sessions.map((f) => f.key)).toEqual([{ SESSION_ID: 's-1' }, { SESSION_ID: 's-3' }]);
    expect(sessions[0]?.provenance).toEqual([
      { column: 'CUSTOMER_ID', from: 'postgres:public.customer.id', round: 2, via: 'follow' },
    ]);
    const views = small.document.findings.filter((f) => f.table === 'ANALYTICS.PUBLIC.PAGE_VIEWS');
    expect(views.map((f) => canonicalJson(f.key))).toEqual(
      keylessKeys(
        keylessKey({ CUSTOMER_ID: '1', PATH: '/a' }, 1),
        keylessKey({ CUSTOMER_ID: '1', PATH: '/a' }, 2),
        keylessKey({ CUSTOMER_ID: '1', PATH: '/b' }, 1),
        keylessKey({ CUSTOMER_ID: '1', PATH: '/c' }, 1),
      ),
    );
    expect(large.document.evidenceHash).toBe(small.document.evidenceHash);
    // The staff member has no customer id, so no Snowflake row.
    const staff = await discover({ employee_id: ['10'] }, 2);
    expect(staff.document.counts.snowflake).toEqual({
      'ANALYTICS.PUBLIC.PAGE_VIEWS': 0,
      'ANALYTICS.PUBLIC.WEB_SESSIONS': 0,
    });
  });
});
