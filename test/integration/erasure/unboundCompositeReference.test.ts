import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { proveErasure } from '../../../shared/erasure/proveErasure';
import { readErasureCatalog } from '../../../shared/erasure/readErasureCatalog';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { TEST_HASH_KEY } from '../../support/discovery';
import { erasePg, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Orders keyed by (tenant, id); notes refer to an order by the pair, under a foreign key that does
 * not bind a note whose tenant is NULL (MATCH SIMPLE). The data map follows `order_note.order_id`
 * to `orders.id`. Ana has order 101 in tenant 7, and no other tenant has an order 101; order 100
 * exists in tenants 7 (Ana's) and 8 (Ben's).
 */
const SCHEMA = `
  DROP SCHEMA public CASCADE; CREATE SCHEMA public;
  CREATE TABLE public.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE public.orders (tenant int, id int, customer_id int NOT NULL REFERENCES public.customer,
    PRIMARY KEY (tenant, id));
  CREATE TABLE public.order_note (id int PRIMARY KEY, tenant int, order_id int NOT NULL, body text,
    FOREIGN KEY (tenant, order_id) REFERENCES public.orders (tenant, id));
  INSERT INTO public.customer VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO public.orders VALUES (7, 100, 1), (7, 101, 1), (8, 100, 2);
  INSERT INTO public.order_note VALUES
    (1, 7, 101, 'ana, bound'), (2, NULL, 101, 'ana, unbound'),
    (3, 7, 100, 'ana, bound'), (4, 8, 100, 'ben, bound'), (5, NULL, 100, 'unbound, either tenant');
`;

const MAP_YAML = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: public.orders
    primaryKey: [tenant, id]
    follow: { customer_id: public.customer.id }
    erasure: delete
  - table: public.order_note
    primaryKey: [id]
    follow: { order_id: public.orders.id }
    erasure: delete
`;
const MAP = parseDataMap(MAP_YAML, 'test.yaml');

const scratch = useErasureDatabase('unbound', SCHEMA);

async function notes(): Promise<string[]> {
  return (await scratch.test.exec('SELECT n::text AS t FROM public.order_note n ORDER BY id')).rows.map(
    (r) => r.t,
  );
}

describe('A follower row the composite foreign key does not bind (NULL in its other column)', () => {
  it('is erased where the access answer holds it, and kept where another person holds the value', async () => {
    // Prepare: what the access answer says is Ana's.
    const searchers = { postgres: await PostgresTableSearcher.create(scratch.db, MAP, 'test.yaml') };
    const access = await discoverSubject(
      { dataMap: MAP, searchers, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-access', identifiers: { email: ['ana@x.test'] } },
    );
    const answered = access.document.findings
      .filter((f) => f.table === 'public.order_note')
      .map((f) => f.row.id)
      .sort();
    // The guard follows 101 (only Ana's order holds it) and refuses 100 (Ben's order holds it too).
    expect(answered).toEqual([1, 2]);
    const before = await notes();

    // Act
    const result = await erasePg(scratch.db, MAP_YAML, { email: ['ana@x.test'] });

    // Assess: erased, with every note the access answer held gone, and the notes the foreign key
    // gives to Ben (4) or leaves to either tenant's order 100 (5) as they were, byte for byte.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erased');
    const after = await notes();
    expect(after).toEqual(before.filter((t) => !/^\((1|2|3),/.test(t)));
    expect(after).toEqual(['(4,8,100,"ben, bound")', '(5,,100,"unbound, either tenant")']);
  });

  it('is looked for by the proof: such a row written after the change ends erasure_unverified', async () => {
    // Prepare: Ana erased.
    const searchers = { postgres: await PostgresTableSearcher.create(scratch.db, MAP, 'test.yaml') };
    const result = await erasePg(scratch.db, MAP_YAML, { email: ['ana@x.test'] });
    if (result.outcome !== 'executed') throw new Error(`expected executed, got ${result.outcome}`);
    const prove = async () =>
      proveErasure(
        {
          db: scratch.db,
          dataMap: MAP,
          searchers,
          subjectHashKey: TEST_HASH_KEY,
          catalog: await readErasureCatalog(scratch.db, ['public']),
        },
        {
          requestId: 'req-erase',
          plan: result.plan,
          findings: result.findings,
          known: { email: ['ana@x.test'] },
        },
      );

    // Act and assess: a late unbound note on order 100, which Ben's order holds too, is not hers.
    await scratch.test.exec(`INSERT INTO public.order_note VALUES (6, NULL, 100, 'late, either tenant')`);
    expect((await prove()).outcome).toBe('erased');
    // One on order 101, which only her (erased) order held, is: the proof names its table.
    await scratch.test.exec(`INSERT INTO public.order_note VALUES (7, NULL, 101, 'late, hers')`);
    const proof = await prove();
    expect(proof.outcome).toBe('erasure_unverified');
    expect(proof.remaining).toEqual([expect.objectContaining({ table: 'public.order_note', rows: 1 })]);
  });
});
