import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { eraseSubject } from '../../../shared/erasure/eraseSubject';
import { erasureGrants } from '../../../shared/erasure/erasureGrants';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Shapes real estates have: no foreign-key constraints, a mixed-case table and a `$` in a column
 * name (both only reachable quoted), a keyless event log with other people's rows, a ticket that
 * names the subject and a member of staff, a composite key, a retained table and one without a rule.
 */
const SCHEMA = `
  CREATE SCHEMA "Shop";
  CREATE TABLE "Shop"."Customer" (id bigint PRIMARY KEY, email text NOT NULL, "full$name" text,
    created_at timestamptz NOT NULL DEFAULT '2024-01-01T00:00:00Z', tags text[]);
  CREATE TABLE "Shop".orders (tenant int, id int, customer_id bigint, total numeric(10,2), PRIMARY KEY (tenant, id));
  CREATE TABLE "Shop".events (customer_id bigint, kind text, at timestamptz);
  CREATE TABLE "Shop".ticket (id int PRIMARY KEY, requester text, handler text, body text);
  CREATE TABLE "Shop".invoice (id int PRIMARY KEY, customer_id bigint, amount numeric(10,2));
  CREATE TABLE "Shop".notes (id int PRIMARY KEY, about_email text, note text);

  INSERT INTO "Shop"."Customer" (id, email, "full$name", tags) VALUES
    (1, 'ana@x.test', 'Ana', '{vip}'), (2, 'ben@x.test', 'Ben', NULL);
  INSERT INTO "Shop".orders VALUES (7, 100, 1, 10.00), (7, 101, 1, 20.00), (8, 100, 2, 5.00);
  INSERT INTO "Shop".events VALUES (1, 'login', '2024-03-01T10:00:00Z'), (1, 'login', '2024-03-01T10:00:00Z'),
    (2, 'login', '2024-03-01T10:00:00Z'), (1, 'logout', '2024-03-01T11:00:00Z');
  INSERT INTO "Shop".ticket VALUES (400, 'ana@x.test', 'sam@corp.test', 'late parcel'),
    (401, 'sam@corp.test', 'ana@x.test', 'internal'), (402, 'ben@x.test', 'sam@corp.test', 'refund');
  INSERT INTO "Shop".invoice VALUES (500, 1, 10.00), (501, 2, 5.00);
  INSERT INTO "Shop".notes VALUES (600, 'ana@x.test', 'called twice'), (601, 'ben@x.test', 'none');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
postgres:
  - table: Shop.Customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
    erasure: { action: mask, columns: { email: hash, full$name: null, tags: null } }
  - table: Shop.orders
    primaryKey: [tenant, id]
    identities: { customer_id: customer_id }
    erasure: delete
  - table: Shop.events
    identities: { customer_id: customer_id }
    erasure: delete
  - table: Shop.ticket
    primaryKey: [id]
    identities: { email: [requester, handler] }
    # Each ticket also names another person (sam): shared rows, masked whole here so that the
    # grants of every masked column are exercised (the default would retain them).
    erasure: { action: mask, shared: erase, columns: { requester: hash, handler: hash, body: { redact: "[erased]" } } }
  - table: Shop.invoice
    primaryKey: [id]
    identities: { customer_id: customer_id }
    erasure: { action: retain, ground: "tax law: invoices kept 10 years", until: P10Y }
  - table: Shop.notes
    primaryKey: [id]
    identities: { email: about_email }
`;

// Roles belong to the server, not the database: a name of this file's own, dropped at the end.
const ROLE = `DsrErasure_${randomBytes(4).toString('hex')}`;
const PASSWORD = randomBytes(12).toString('hex');

let owner: TestDatabase;
let db: PgDatabase;
let writeDb: PgDatabase;
let roleDsn: string;

/** Runs one statement as the erasure role; resolves to the SQLSTATE it failed with, or 'ok'. */
async function asRole(sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: roleDsn });
  await client.connect();
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  owner = await createTestDatabase('grants');
  await owner.exec(SCHEMA);
  // Exactly the generated statements, and a password to log in with.
  const grants = erasureGrants(parseDataMap(MAP, 'grants.yaml'), { pgRole: ROLE });
  for (const statement of grants.postgres.statements) await owner.exec(statement);
  await owner.exec(`ALTER ROLE "${ROLE}" PASSWORD '${PASSWORD}'`);
  const url = new URL(owner.dsn);
  url.username = ROLE;
  url.password = PASSWORD;
  roleDsn = url.toString();
  db = openDatabase(owner.dsn);
  writeDb = openDatabase(roleDsn);
}, 120_000);

afterAll(async () => {
  await writeDb?.end();
  await db?.end();
  await owner?.exec(`DROP OWNED BY "${ROLE}"`).catch(() => undefined);
  await owner?.drop();
  // The database is gone, and with it every grant: the role can go.
  const admin = new URL(owner.dsn);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP ROLE IF EXISTS "${ROLE}"`);
  await client.end();
});

describe('Function: erasureGrants, on a real PostgreSQL', { timeout: 120_000 }, () => {
  it('lets a role holding exactly the generated grants erase a subject through the executor, and prove it', async () => {
    // Prepare
    const map = parseDataMap(MAP, 'grants.yaml');
    const postgres = await PostgresTableSearcher.create(db, map, 'grants.yaml');
    const random = (n: number) => createHash('sha256').update(`grants-${n}`).digest().subarray(0, n);

    // Act
    const result = await eraseSubject(
      {
        dataMap: map,
        db,
        writeDb,
        searchers: { postgres },
        subjectHashKey: TEST_HASH_KEY,
        maskKey: 'grants-test-mask-key-0123456789abcdef',
        randomBytes: random,
      },
      { requestId: 'req-grants', identifiers: { email: ['Ana@X.test'] }, dryRun: false },
    );

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    // Every table with a rule is proven erased; the table without one is named, as the receipt does.
    expect(result.verification).toMatchObject({
      outcome: 'erasure_unverified',
      remaining: [{ system: 'postgres', table: 'Shop.notes', rows: 1, reason: 'no_erasure_rule' }],
    });
    expect(Object.fromEntries(result.steps.map((s) => [s.table, [s.action, s.changed]]))).toEqual({
      'Shop.Customer': ['mask', 1],
      'Shop.orders': ['delete', 2],
      'Shop.events': ['delete', 3],
      'Shop.ticket': ['mask', 2],
    });
    const customers = (
      await owner.exec('SELECT id, email, "full$name", tags FROM "Shop"."Customer" ORDER BY id')
    ).rows;
    expect(customers[0]).toMatchObject({ id: '1', full$name: null, tags: null });
    expect(customers[0].email).toMatch(/^[0-9a-f]{64}$/);
    expect(customers[1]).toEqual({ id: '2', email: 'ben@x.test', full$name: 'Ben', tags: null });
    expect((await owner.exec('SELECT tenant, id FROM "Shop".orders')).rows).toEqual([{ tenant: 8, id: 100 }]);
    expect((await owner.exec('SELECT customer_id FROM "Shop".events')).rows).toEqual([{ customer_id: '2' }]);
    // The retained table and the table without a rule keep the subject's rows.
    expect((await owner.exec('SELECT count(*)::int AS n FROM "Shop".invoice')).rows[0].n).toBe(2);
    expect((await owner.exec(`SELECT note FROM "Shop".notes WHERE id = 600`)).rows[0].note).toBe(
      'called twice',
    );
  });

  it('needs the one UPDATE column of a delete table: without it the lock is refused, naming the grants, and nothing changes', async () => {
    // Prepare: take back the column the generator grants only for SELECT … FOR UPDATE.
    const map = parseDataMap(MAP, 'grants.yaml');
    const postgres = await PostgresTableSearcher.create(db, map, 'grants.yaml');
    await owner.exec(`REVOKE UPDATE ("tenant") ON TABLE "Shop".orders FROM "${ROLE}"`);
    const before = (await owner.exec('SELECT email FROM "Shop"."Customer" WHERE id = 2')).rows;
    try {
      // Act
      const erasing = eraseSubject(
        {
          dataMap: map,
          db,
          writeDb,
          searchers: { postgres },
          subjectHashKey: TEST_HASH_KEY,
          maskKey: 'grants-test-mask-key-0123456789abcdef',
          randomBytes: (n) => Buffer.alloc(n, 7),
        },
        { requestId: 'req-grants-2', identifiers: { email: ['ben@x.test'] }, dryRun: false },
      );

      // Assess: refused, naming the table and the grants to give.
      expect(await erasing).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'Shop.orders',
            code: 'STATEMENT_REFUSED',
            message: expect.stringContaining(
              'the planned lock (SELECT … FOR UPDATE) of Shop.orders was refused: the erasure role lacks a privilege on table orders (the table itself, or one a trigger on it writes to); grant what `dsr datamap grants` prints',
            ),
          },
        ],
      });
      expect((await owner.exec('SELECT email FROM "Shop"."Customer" WHERE id = 2')).rows).toEqual(before);
      expect(
        (await owner.exec('SELECT count(*)::int AS n FROM "Shop".orders WHERE tenant = 8')).rows[0].n,
      ).toBe(1);
    } finally {
      await owner.exec(`GRANT UPDATE ("tenant") ON TABLE "Shop".orders TO "${ROLE}"`);
    }
  });

  it('refuses the role everything else: inserting, deleting where no rule deletes, updating an unmasked column, dropping', async () => {
    const refusals = {
      insert: await asRole(`INSERT INTO "Shop".orders VALUES (9, 1, 2, 1.00)`),
      deleteRetained: await asRole(`DELETE FROM "Shop".invoice WHERE id = 501`),
      deleteWithoutRule: await asRole(`DELETE FROM "Shop".notes WHERE id = 601`),
      deleteMasked: await asRole(`DELETE FROM "Shop"."Customer" WHERE id = 2`),
      updateUnmasked: await asRole(`UPDATE "Shop"."Customer" SET created_at = now() WHERE id = 2`),
      updateDeletedTablesOtherColumn: await asRole(`UPDATE "Shop".orders SET total = 0 WHERE tenant = 8`),
      updateRetained: await asRole(`UPDATE "Shop".invoice SET amount = 0`),
      readWithoutRule: await asRole(`SELECT note FROM "Shop".notes`),
      truncate: await asRole(`TRUNCATE "Shop".events`),
      drop: await asRole(`DROP TABLE "Shop".events`),
      createInSchema: await asRole(`CREATE TABLE "Shop".x (id int)`),
    };
    // 42501: insufficient_privilege (DROP: must be owner, the same SQLSTATE).
    expect(refusals).toEqual(Object.fromEntries(Object.keys(refusals).map((k) => [k, '42501'])));
    // And what it is given it can still do: the lock the executor takes.
    expect(await asRole(`SELECT * FROM "Shop".orders FOR UPDATE`)).toBe('ok');
    expect((await owner.exec('SELECT count(*)::int AS n FROM "Shop".invoice')).rows[0].n).toBe(2);
  });
});
