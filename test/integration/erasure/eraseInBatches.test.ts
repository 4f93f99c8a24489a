import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import type { ErasureStep } from '../../../shared/erasure/ErasureStep';
import { executeErasureUnits } from '../../../shared/erasure/executeErasurePlan';
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
  INSERT INTO shop.orders VALUES (100, 1, 10), (101, 1, 20), (102, 1, 30), (200, 2, 40);
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
const ANA = { 'shop.customer': 'id = 1', 'shop.orders': 'customer_id = 1' };

const scratch = useErasureDatabase('erase_batches', SCHEMA);

/** Ana's plan, and an execution of it in batches of one row that stops after `units` committed units. */
async function prepare() {
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
  const run = (done: readonly ErasureStep[], units: number) => {
    let committed = 0;
    return executeErasureUnits(
      {
        dataMap: MAP,
        writeDb: scratch.db,
        catalog: planning.catalog,
        maskKey: 'k',
        randomBytes: deterministicBytes,
        batchRows: 1,
      },
      planning.plan,
      planning.findings,
      { done, beforeUnit: () => ++committed < units },
    );
  };
  return { run };
}

describe('Function: executeErasureUnits (PostgreSQL in batches)', () => {
  it('commits each batch on its own, stops between two and resumes after the committed ones, never repeating one', async () => {
    const { run } = await prepare();
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act 1: one batch, then the invocation's time is up.
    const first = await run([], 1);
    const afterFirst = await snapshotOthers(scratch.test, ANA);
    // Act 2: the next invocation resumes from the committed steps.
    const firstSteps = first.outcome === 'paused' ? first.steps : [];
    const rest = await run(firstSteps, 10);

    // Assess
    expect(first).toMatchObject({ outcome: 'paused', units: { done: 1, of: 4 } });
    expect(firstSteps).toEqual([
      expect.objectContaining({ table: 'shop.orders', batch: 1, batches: 3, batchRows: 1, changed: 1 }),
    ]);
    expect(afterFirst['shop.orders']).toHaveLength(2);
    expect(rest.outcome).toBe('done');
    const restSteps = rest.outcome === 'done' ? rest.steps : [];
    expect(restSteps.map((s) => [s.table, s.batch, s.changed, s.alreadyDone])).toEqual([
      ['shop.orders', 2, 1, 0],
      ['shop.orders', 3, 1, 0],
      ['shop.customer', 1, 1, 0],
    ]);
    expect(await snapshotOthers(scratch.test, ANA)).toEqual({ 'shop.customer': [], 'shop.orders': [] });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('refuses a later batch under its own locks when another session references its row after an earlier batch committed', async () => {
    const { run } = await prepare();
    const first = await run([], 1);
    // Between two invocations, Ben's points row comes to point at Ana's order 101.
    await scratch.test.exec(`INSERT INTO loyalty.points VALUES (2, 'ben@x.test', 101)`);
    const before = await snapshotOthers(scratch.test, OTHERS);

    const next = await run(first.outcome === 'paused' ? first.steps : [], 10);

    // Assess: refused after a commit, naming the table; the committed batch stays erased, nothing
    // else of Ana's changed and Ben's rows, the new one included, are as they were.
    expect(next).toEqual({
      outcome: 'refused',
      afterCommit: true,
      problems: [expect.objectContaining({ table: 'loyalty.points', code: 'CASCADE_TO_UNDISCOVERED' })],
    });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(before['loyalty.points']).toHaveLength(2);
    const ana = await snapshotOthers(scratch.test, ANA);
    expect(ana['shop.orders']).toHaveLength(2);
    expect(ana['shop.customer']).toHaveLength(1);
  });
});
