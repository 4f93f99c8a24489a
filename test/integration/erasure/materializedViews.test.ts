import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { materializedViewsOver } from '../../../shared/erasure/materializedViewsOver';
import { openDatabase } from '../../support/discovery';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * A shop whose reports are materialized views the data map does not name: one over the orders and
 * the customers, one over a view of the orders in another schema, and one never populated. A
 * refresh is their owner's job: until then they hold what the tables held.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS reports CASCADE;
  CREATE SCHEMA shop; CREATE SCHEMA reports;
  CREATE TABLE shop.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customer, item text);
  INSERT INTO shop.customer VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO shop.orders VALUES (10, 1, 'a red bicycle'), (11, 2, 'a desk lamp');
  CREATE MATERIALIZED VIEW reports.order_lines AS
    SELECT o.id, c.email, o.item FROM shop.orders o JOIN shop.customer c ON c.id = o.customer_id;
  CREATE VIEW reports.recent_orders AS SELECT id, customer_id, item FROM shop.orders;
  CREATE MATERIALIZED VIEW reports.items AS SELECT item FROM reports.recent_orders;
  CREATE MATERIALIZED VIEW reports.pending AS SELECT id FROM shop.orders WITH NO DATA;
`;
const MAP = `version: 1
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
`;
const ANA = { email: ['ana@x.test'] };
const OTHERS = {
  'shop.customer': 'id <> 1',
  'shop.orders': 'customer_id <> 1',
  'reports.order_lines': "email <> 'ana@x.test'",
  'reports.items': "item <> 'a red bicycle'",
};

const scratch = useErasureDatabase('erase_matviews', SCHEMA, { freshPool: true });

describe('Function: materializedViewsOver', () => {
  it('lists the populated materialized views reading a table, directly or through a view, in any schema', async () => {
    expect(await materializedViewsOver(scratch.db, ['shop.orders'])).toEqual({
      readable: ['reports.items', 'reports.order_lines'],
      unreadable: [],
    });
    expect(await materializedViewsOver(scratch.db, ['shop.customer'])).toEqual({
      readable: ['reports.order_lines'],
      unreadable: [],
    });
    expect(await materializedViewsOver(scratch.db, [])).toEqual({ readable: [], unreadable: [] });
  });
});

describe('Function: eraseSubject (materialized views the data map does not name)', () => {
  it("ends erasure_unverified naming the report that still holds the subject's rows, and erased once it is refreshed", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act
    const first = await erasePg(scratch.db, MAP, ANA, { writeDb: scratch.db });

    // Assess: the tables are erased, the reports still hold Ana's order; nobody else's row changed.
    expect(first).toMatchObject({
      outcome: 'executed',
      verification: {
        outcome: 'erasure_unverified',
        remaining: [
          { system: 'postgres', table: 'reports.order_lines', rows: 1, reason: 'found_beyond_map' },
        ],
      },
    });
    expect(await countValues(scratch.test, ['shop.customer', 'shop.orders'], ['ana@x.test'])).toEqual({
      'shop.customer': 0,
      'shop.orders': 0,
    });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);

    // Act: the owner refreshes the report; the erasure runs again (nothing left to change).
    await scratch.test.exec('REFRESH MATERIALIZED VIEW reports.order_lines');
    const again = await erasePg(scratch.db, MAP, ANA, { writeDb: scratch.db });

    // Assess
    expect(again).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased', remaining: [] } });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('a run that finds nothing left to change still searches the reports', async () => {
    // Prepare: Ana's rows are gone from the tables, not yet from the report.
    await scratch.test.exec(
      'DELETE FROM shop.orders WHERE customer_id = 1; DELETE FROM shop.customer WHERE id = 1',
    );

    // Act
    const result = await erasePg(scratch.db, MAP, ANA, { writeDb: scratch.db });

    // Assess
    expect(result).toMatchObject({
      verification: {
        outcome: 'erasure_unverified',
        remaining: [{ table: 'reports.order_lines', reason: 'found_beyond_map' }],
      },
    });
  });
});

describe('Function: eraseSubject (a report the reading role may not read)', () => {
  it('ends erasure_unverified naming it as not searched, not erased', async () => {
    // Prepare: a reading role that may read the tables but not the report.
    const reader = `mv_reader_${randomBytes(4).toString('hex')}`;
    await scratch.test.exec(`CREATE ROLE ${reader} LOGIN PASSWORD 'reader';
      GRANT USAGE ON SCHEMA shop, reports TO ${reader};
      GRANT SELECT ON ALL TABLES IN SCHEMA shop TO ${reader};
      GRANT SELECT ON reports.items TO ${reader};`);
    const url = new URL(scratch.test.dsn);
    url.username = reader;
    url.password = 'reader';
    const readDb = openDatabase(url.toString());
    try {
      // Act
      const result = await erasePg(readDb, MAP, ANA, { writeDb: scratch.db });

      // Assess
      expect(result).toMatchObject({
        outcome: 'executed',
        verification: {
          outcome: 'erasure_unverified',
          remaining: [
            { system: 'postgres', table: 'reports.order_lines', rows: 0, reason: 'scan_incomplete' },
          ],
        },
      });
    } finally {
      await readDb.end();
      await scratch.test.exec(`DROP OWNED BY ${reader}; DROP ROLE ${reader}`);
    }
  });
});

describe('Function: eraseSubject (a view given an erasure rule)', () => {
  it('refuses a view or a materialized view with an erasure rule, naming the fix, and changes nothing', async () => {
    // Prepare
    const map = `${MAP}  - table: reports.recent_orders
    follow: { customer_id: shop.customer.id }
    erasure: delete
  - table: reports.order_lines
    identities: { email: email }
    erasure: delete
`;
    const before = await snapshotOthers(scratch.test, { 'shop.orders': 'true', 'shop.customer': 'true' });

    // Act
    const result = await erasePg(scratch.db, map, ANA, { writeDb: scratch.db });

    // Assess
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: expect.arrayContaining([
        expect.objectContaining({
          table: 'reports.recent_orders',
          code: 'TABLE_MISSING',
          message: expect.stringContaining(
            'is a view, not a table: an erasure changes the rows of the tables it reads',
          ),
        }),
        expect.objectContaining({
          table: 'reports.order_lines',
          code: 'TABLE_MISSING',
          message: expect.stringContaining('is a materialized view, not a table'),
        }),
      ]),
    });
    expect(await snapshotOthers(scratch.test, { 'shop.orders': 'true', 'shop.customer': 'true' })).toEqual(
      before,
    );
  });
});
