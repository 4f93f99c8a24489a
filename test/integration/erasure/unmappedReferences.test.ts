import { describe, expect, it } from 'vitest';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * A shop the data map names, and a loyalty schema it does not: another person's points row
 * references the subject's order with ON DELETE CASCADE, a review with NO ACTION.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS loyalty CASCADE;
  CREATE SCHEMA shop; CREATE SCHEMA loyalty;
  CREATE TABLE shop.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customer ON DELETE RESTRICT, total int);
  CREATE TABLE loyalty.points (id int PRIMARY KEY, member_email text, order_id int REFERENCES shop.orders ON DELETE CASCADE);
  CREATE TABLE loyalty.review (id int PRIMARY KEY, author_email text, order_id int REFERENCES shop.orders ON DELETE NO ACTION);
  INSERT INTO shop.customer VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO shop.orders VALUES (100, 1, 10), (101, 1, 20), (200, 2, 30);
  INSERT INTO loyalty.points VALUES (1, 'ben@x.test', 200);
  INSERT INTO loyalty.review VALUES (1, 'ben@x.test', 200);
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

const OTHERS = {
  'shop.customer': 'id <> 1',
  'shop.orders': 'customer_id <> 1',
  'loyalty.points': 'true',
  'loyalty.review': 'true',
};

const scratch = useErasureDatabase('erase_refs', SCHEMA);

describe('Function: eraseSubject (references from a schema the data map does not name)', () => {
  it("refuses a delete that would cascade to another person's row in an unmapped schema, naming table and count", async () => {
    // Prepare: Ben's points row references Ana's order 101 with ON DELETE CASCADE.
    await scratch.test.exec(`INSERT INTO loyalty.points VALUES (2, 'ben@x.test', 101)`);
    const before = await snapshotOthers(scratch.test, OTHERS);
    const subject = await snapshotOthers(scratch.test, { 'shop.orders': 'customer_id = 1' });

    // Act
    const dry = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] }, { dryRun: true });
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess: the dry run and the change both refuse; nothing changed, no value named.
    for (const r of [dry, result]) {
      expect(r.outcome).toBe('refused');
      if (r.outcome !== 'refused') return;
      expect(r.problems).toEqual([
        expect.objectContaining({
          table: 'loyalty.points',
          code: 'CASCADE_TO_UNDISCOVERED',
          message: expect.stringContaining('cascade to 1 row(s)'),
        }),
      ]);
      expect(JSON.stringify(r.problems)).not.toMatch(/ben@|ana@/);
    }
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(await snapshotOthers(scratch.test, { 'shop.orders': 'customer_id = 1' })).toEqual(subject);
  });

  it('refuses a delete that a NO ACTION reference from an unmapped schema would block', async () => {
    // Prepare
    await scratch.test.exec(`INSERT INTO loyalty.review VALUES (2, 'ben@x.test', 100)`);
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('refused');
    if (result.outcome !== 'refused') return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        table: 'loyalty.review',
        code: 'REFERENCED_BY_UNDISCOVERED',
        message: expect.stringContaining('1 row(s) of it that discovery did not find'),
      }),
    ]);
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('says a retained table keeps the referencing rows, instead of calling them rows discovery did not find', async () => {
    // Prepare: Ana's own review of order 100 is in the map and retained, under NO ACTION.
    await scratch.test.exec(`INSERT INTO loyalty.review VALUES (3, 'ana@x.test', 100)`);
    const retained = `${MAP}  - table: loyalty.review
    primaryKey: [id]
    identities: { email: author_email }
    erasure: { action: retain, ground: "consumer law: reviews kept" }
`;

    // Act
    const result = await erasePg(scratch.db, retained, { email: ['ana@x.test'] }, { dryRun: true });

    // Assess
    expect(result.outcome).toBe('refused');
    if (result.outcome !== 'refused') return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        table: 'loyalty.review',
        code: 'REFERENCED_BY_UNDISCOVERED',
        message:
          '1 row(s) of it that the plan leaves in place (its rule retains them, or discovery did not find them) reference planned rows of shop.orders (ON DELETE NO ACTION): the delete would be refused (foreign key review_order_id_fkey on order_id); retain the referenced rows of shop.orders too, or change the rule of loyalty.review',
      }),
    ]);
    await scratch.test.exec('DELETE FROM loyalty.review WHERE id = 3');
  });

  it("erases when unmapped references touch only other people's rows, leaving them byte for byte", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erased');
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(
      await countValues(scratch.test, ['shop.customer', 'loyalty.points', 'loyalty.review'], ['ana@x.test']),
    ).toEqual({
      'shop.customer': 0,
      'loyalty.points': 0,
      'loyalty.review': 0,
    });
    expect(
      (await scratch.test.exec('SELECT count(*)::int AS n FROM shop.orders WHERE customer_id = 1')).rows[0].n,
    ).toBe(0);
  });
});
