import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { executePostgresErasure } from '../../../shared/erasure/executePostgresErasure';
import { planSubjectErasure } from '../../../shared/erasure/planSubjectErasure';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { TEST_HASH_KEY } from '../../support/discovery';
import { deterministicBytes, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** A shop the map names; a loyalty schema it does not, whose points cascade from an order. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS loyalty CASCADE;
  CREATE SCHEMA shop; CREATE SCHEMA loyalty;
  CREATE TABLE shop.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customer, total int);
  CREATE TABLE loyalty.points (id int PRIMARY KEY, member_email text, order_id int REFERENCES shop.orders ON DELETE CASCADE);
  INSERT INTO shop.customer VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO shop.orders VALUES (100, 1, 10), (101, 1, 20), (200, 2, 30);
  INSERT INTO loyalty.points VALUES (1, 'ben@x.test', 200);
`;
const MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: shop.customer
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: shop.orders
    primaryKey: [id]
    follow: { customer_id: shop.customer.id }
    erasure: delete
`,
  'test.yaml',
);
const OTHERS = { 'shop.customer': 'id <> 1', 'shop.orders': 'customer_id <> 1', 'loyalty.points': 'true' };

const scratch = useErasureDatabase('erase_race', SCHEMA);

async function plan() {
  const postgres = await PostgresTableSearcher.create(scratch.db, MAP, 'test.yaml');
  const planning = await planSubjectErasure(
    {
      dataMap: MAP,
      db: scratch.db,
      searchers: { postgres },
      subjectHashKey: TEST_HASH_KEY,
      maskKey: 'k',
      randomBytes: deterministicBytes,
    },
    { requestId: 'r', identifiers: { email: ['ana@x.test'] } },
  );
  expect(planning.problems).toEqual([]);
  return planning;
}

describe('Function: executePostgresErasure (checks repeated under the locks)', () => {
  it("rolls back with a refusal when another session references the subject's row between plan and change", async () => {
    // Prepare: a clean plan, then Ben's points row pointing at Ana's order 101, from another session.
    const { plan: p, findings, catalog } = await plan();
    await scratch.test.exec(`INSERT INTO loyalty.points VALUES (2, 'ben@x.test', 101)`);
    const before = await snapshotOthers(scratch.test, OTHERS);
    const subject = await snapshotOthers(scratch.test, {
      'shop.customer': 'id = 1',
      'shop.orders': 'customer_id = 1',
    });

    // Act
    const result = await executePostgresErasure(
      { db: scratch.db, dataMap: MAP, catalog, maskKey: 'k', randomBytes: deterministicBytes },
      p,
      { findings },
    );

    // Assess: refused, naming the table and count; Ben's new row and Ana's rows are as they were.
    expect(result).toEqual({
      outcome: 'refused',
      problems: [
        expect.objectContaining({
          table: 'loyalty.points',
          code: 'CASCADE_TO_UNDISCOVERED',
          message: expect.stringContaining('cascade to 1 row(s)'),
        }),
      ],
    });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(before['loyalty.points']).toHaveLength(2);
    expect(
      await snapshotOthers(scratch.test, { 'shop.customer': 'id = 1', 'shop.orders': 'customer_id = 1' }),
    ).toEqual(subject);
  });

  it('a row locked FOR UPDATE makes a new foreign-key reference to it wait (the guarantee the re-check rests on)', async () => {
    // Prepare: lock Ana's order as the change does.
    const locker = new pg.Client({ connectionString: scratch.test.dsn });
    const writer = new pg.Client({ connectionString: scratch.test.dsn });
    await locker.connect();
    await writer.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT * FROM shop.orders WHERE id = 101 FOR UPDATE');

      // Act: another session references the locked row.
      await writer.query(`SET lock_timeout = 300`);
      const insert = writer.query(`INSERT INTO loyalty.points VALUES (3, 'ben@x.test', 101)`);

      // Assess: it cannot take its KEY SHARE lock while the row is locked.
      await expect(insert).rejects.toMatchObject({ code: '55P03' });
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
      await writer.end();
    }
  });

  it('refuses with BLOCKED, changing nothing, when another session holds a planned row past the lock timeout', async () => {
    // Prepare
    const { plan: p, findings, catalog } = await plan();
    const holder = new pg.Client({ connectionString: scratch.test.dsn });
    await holder.connect();
    const before = await snapshotOthers(scratch.test, { 'shop.orders': 'true', 'shop.customer': 'true' });
    try {
      await holder.query('BEGIN');
      await holder.query('UPDATE shop.orders SET total = total WHERE id = 100');

      // Act
      const result = await executePostgresErasure(
        {
          db: scratch.db,
          dataMap: MAP,
          catalog,
          maskKey: 'k',
          randomBytes: deterministicBytes,
          lockTimeoutMs: 300,
        },
        p,
        { findings },
      );

      // Assess
      expect(result).toEqual({
        outcome: 'refused',
        problems: [expect.objectContaining({ table: 'shop.orders', code: 'BLOCKED' })],
      });
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await snapshotOthers(scratch.test, { 'shop.orders': 'true', 'shop.customer': 'true' })).toEqual(
      before,
    );
  });
});
