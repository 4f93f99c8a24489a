import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { eraseSubject } from '../../../shared/erasure/eraseSubject';
import { executePostgresErasure } from '../../../shared/erasure/executePostgresErasure';
import { planErasure } from '../../../shared/erasure/planErasure';
import { readErasureCatalog } from '../../../shared/erasure/readErasureCatalog';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * A shop with foreign keys (composite, RESTRICT, CASCADE, a self-reference), an address shared by two
 * customers, a ticket table that mentions a customer and a staff member, a keyless audit log with
 * other people's rows, and a retained invoice table.
 */
const SCHEMA = `
  CREATE TABLE public.address (id int PRIMARY KEY, street text NOT NULL);
  CREATE TABLE public.customer (id int PRIMARY KEY, email varchar(120) NOT NULL UNIQUE, name text NOT NULL,
    phone varchar(20) CHECK (phone ~ '^[0-9+ ]*$'), address_id int REFERENCES public.address ON DELETE RESTRICT,
    referred_by int REFERENCES public.customer ON DELETE NO ACTION);
  CREATE TABLE public.orders (tenant int, id int, customer_id int NOT NULL REFERENCES public.customer ON DELETE RESTRICT,
    total numeric(10,2), PRIMARY KEY (tenant, id));
  CREATE TABLE public.order_line (tenant int, order_id int, line int, sku text,
    PRIMARY KEY (tenant, order_id, line), FOREIGN KEY (tenant, order_id) REFERENCES public.orders (tenant, id) ON DELETE RESTRICT);
  CREATE TABLE public.invoice (id int PRIMARY KEY, customer_id int, amount numeric(10,2));
  CREATE TABLE public.ticket (id int PRIMARY KEY, requester_email text, handled_by text, body text);
  CREATE TABLE public.login_audit (customer_id int, event text);
  CREATE TABLE public.profile (customer_id int PRIMARY KEY,
    nickname varchar(40) NOT NULL, bio text, token uuid UNIQUE);

  INSERT INTO public.address VALUES (1, '1 Ana Street'), (2, '2 Shared Road');
  INSERT INTO public.customer VALUES
    (1, 'ana@x.test', 'Ana', '+44 1', 1, NULL), (2, 'ben@x.test', 'Ben', NULL, 2, NULL),
    (3, 'cleo@x.test', 'Cleo', NULL, 2, NULL), (4, 'dan@x.test', 'Dan', NULL, NULL, 1);
  INSERT INTO public.orders VALUES (7, 100, 1, 10.00), (7, 101, 1, 20.00), (7, 102, 2, 30.00), (8, 100, 2, 5.00);
  INSERT INTO public.order_line VALUES (7, 100, 1, 'a'), (7, 100, 2, 'b'), (7, 101, 1, 'c'), (7, 102, 1, 'd'), (8, 100, 1, 'e');
  INSERT INTO public.invoice VALUES (500, 1, 10.00), (501, 2, 30.00);
  INSERT INTO public.ticket VALUES (400, 'ana@x.test', 'sam@corp.test', 'late'), (401, 'ben@x.test', 'sam@corp.test', 'refund');
  INSERT INTO public.login_audit VALUES (1, 'login'), (1, 'login'), (2, 'login'), (1, 'logout');
  INSERT INTO public.profile VALUES (1, 'ana', 'likes tea', '11111111-1111-4111-8111-111111111111'),
    (2, 'ben', 'likes coffee', '22222222-2222-4222-8222-222222222222');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
  staff_email: { normalize: lowercase }
postgres:
  - table: public.address
    primaryKey: [id]
    follow: { id: public.customer.address_id }
    erasure: delete
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
    erasure: delete
  - table: public.orders
    primaryKey: [tenant, id]
    follow: { customer_id: public.customer.id }
    erasure: delete
  - table: public.order_line
    primaryKey: [tenant, order_id, line]
    follow: { order_id: public.orders.id }
    erasure: delete
  - table: public.invoice
    primaryKey: [id]
    follow: { customer_id: public.customer.id }
    erasure: { action: retain, ground: "tax law: invoices kept 10 years", until: P10Y }
  - table: public.ticket
    primaryKey: [id]
    identities: { email: requester_email, staff_email: handled_by }
    erasure: { action: mask, columns: { requester_email: hash, body: { redact: "[erased]" } } }
  - table: public.login_audit
    identities: { customer_id: customer_id }
    erasure: delete
  - table: public.profile
    primaryKey: [customer_id]
    follow: { customer_id: public.customer.id }
    erasure: { action: mask, columns: { nickname: hash, bio: null, token: random } }
`;

let pg: TestDatabase;
let db: PgDatabase;
const random = (n: number) => createHash('sha256').update(`seed-${n}`).digest().subarray(0, n);
const deterministic = (size: number) => Buffer.concat([random(32), random(32)]).subarray(0, size);

async function snapshot(): Promise<string> {
  const tables = [
    'address',
    'customer',
    'orders',
    'order_line',
    'invoice',
    'ticket',
    'login_audit',
    'profile',
  ];
  const parts: string[] = [];
  for (const t of tables) {
    const r = await pg.exec(
      `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS h, count(*) AS n FROM public.${t} x`,
    );
    parts.push(`${t}:${r.rows[0].n}:${r.rows[0].h}`);
  }
  return parts.join('\n');
}

async function run(map: DataMap, identifiers: Record<string, string[]>, dryRun = false) {
  const postgres = await PostgresTableSearcher.create(db, map, 'test.yaml');
  return eraseSubject(
    {
      dataMap: map,
      db,
      writeDb: db,
      searchers: { postgres },
      subjectHashKey: TEST_HASH_KEY,
      maskKey: 'test-mask-key',
      randomBytes: deterministic,
    },
    { requestId: 'req-erase', identifiers, dryRun },
  );
}

beforeAll(async () => {
  pg = await createTestDatabase('erase');
  db = openDatabase(pg.dsn);
});
afterAll(async () => {
  await db.end();
  await pg.drop();
});
beforeEach(async () => {
  await pg.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await pg.exec(SCHEMA);
});

describe('Function: eraseSubject (PostgreSQL)', () => {
  it('deletes children before parents across composite RESTRICT keys, masks, retains, and proves it', async () => {
    // Prepare
    await pg.exec('UPDATE public.customer SET referred_by = NULL');
    const map = parseDataMap(MAP, 'test.yaml');
    const before = await pg.exec('SELECT count(*)::int AS n FROM public.orders WHERE customer_id <> 1');

    // Act
    const result = await run(map, { email: ['Ana@X.test'] });

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    const deletes = result.plan.tables.filter((t) => t.action === 'delete').map((t) => t.table);
    expect(deletes.indexOf('public.order_line')).toBeLessThan(deletes.indexOf('public.orders'));
    expect(deletes.indexOf('public.orders')).toBeLessThan(deletes.indexOf('public.customer'));
    expect(deletes.indexOf('public.customer')).toBeLessThan(deletes.indexOf('public.address'));
    expect((await pg.exec('SELECT id FROM public.address ORDER BY id')).rows.map((r) => r.id)).toEqual([2]);
    expect((await pg.exec('SELECT id FROM public.customer ORDER BY id')).rows.map((r) => r.id)).toEqual([
      2, 3, 4,
    ]);
    expect(
      (await pg.exec('SELECT count(*)::int AS n FROM public.orders WHERE customer_id <> 1')).rows[0].n,
    ).toBe(before.rows[0].n);
    expect(
      (await pg.exec(`SELECT tenant, order_id, line FROM public.order_line ORDER BY 1, 2, 3`)).rows,
    ).toEqual([
      { tenant: 7, order_id: 102, line: 1 },
      { tenant: 8, order_id: 100, line: 1 },
    ]);
    // Ben's line of tenant 8's order 100 matched the followed order_id only: excluded, not erased.
    expect(result.plan.tables.find((t) => t.table === 'public.order_line')).toMatchObject({
      found: 4,
      excluded: 1,
    });
    // Keyless: Ana's three audit rows are gone, Ben's stays.
    expect((await pg.exec('SELECT customer_id, event FROM public.login_audit')).rows).toEqual([
      { customer_id: 2, event: 'login' },
    ]);
    // Retained invoice untouched and reported; another person's ticket untouched.
    expect((await pg.exec('SELECT id FROM public.invoice ORDER BY id')).rows.map((r) => r.id)).toEqual([
      500, 501,
    ]);
    expect(result.plan.tables.find((t) => t.table === 'public.invoice')).toMatchObject({
      action: 'retain',
      found: 1,
      retain: { ground: 'tax law: invoices kept 10 years', until: 'P10Y' },
    });
    const tickets = (
      await pg.exec('SELECT id, requester_email, handled_by, body FROM public.ticket ORDER BY id')
    ).rows;
    expect(tickets[1]).toEqual({
      id: 401,
      requester_email: 'ben@x.test',
      handled_by: 'sam@corp.test',
      body: 'refund',
    });
    expect(tickets[0].requester_email).toMatch(/^[0-9a-f]{64}$/);
    expect(tickets[0]).toMatchObject({ handled_by: 'sam@corp.test', body: '[erased]' });
    expect(result.verification).toEqual({
      outcome: 'erased',
      remaining: [],
      refound: expect.objectContaining({ 'postgres:public.invoice': 1, 'postgres:public.customer': 0 }),
    });
  });

  it('refuses a plan whose delete would cascade to rows discovery did not find, naming the table', async () => {
    // Prepare: a wishlist the data map forgot, cascading from customer; profile and Dan's referral cleared.
    await pg.exec(`CREATE TABLE public.wishlist (id int PRIMARY KEY, customer_id int REFERENCES public.customer ON DELETE CASCADE);
      INSERT INTO public.wishlist VALUES (1, 1), (2, 1), (3, 2); UPDATE public.customer SET referred_by = NULL;`);
    const map = parseDataMap(MAP, 'test.yaml');
    const before = await snapshot();

    // Act
    const result = await run(map, { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('refused');
    if (result.outcome !== 'refused') return;
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        table: 'public.wishlist',
        code: 'CASCADE_TO_UNDISCOVERED',
        message: expect.stringContaining('2 row(s)'),
      }),
    );
    expect(JSON.stringify(result.problems)).not.toContain('ana@x.test');
    expect(await snapshot()).toBe(before);
  });

  it("leaves another person's row that references the subject's row untouched, and refuses the delete (self-reference, NO ACTION)", async () => {
    // Prepare: Dan was referred by Ana (customer.referred_by, a self-reference Dan's row holds).
    const map = parseDataMap(MAP, 'test.yaml');
    const before = await snapshot();

    // Act
    const result = await run(map, { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('refused');
    if (result.outcome !== 'refused') return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        table: 'public.customer',
        code: 'REFERENCED_BY_UNDISCOVERED',
        message: expect.stringContaining('1 row(s)'),
      }),
    ]);
    expect(await snapshot()).toBe(before);
  });

  it("retains, and reports as shared, an address another person's row still references (an address two customers share)", async () => {
    // Prepare: Ben and Cleo live at address 2; erasing Ben finds it through his customer row.
    await pg.exec('UPDATE public.customer SET referred_by = NULL');
    const map = parseDataMap(MAP, 'test.yaml');
    const cleo = async () =>
      (
        await pg.exec(
          `SELECT x::text AS t FROM public.customer x WHERE id = 3 UNION ALL SELECT x::text FROM public.address x`,
        )
      ).rows;
    const before = await cleo();

    // Act
    const result = await run(map, { email: ['ben@x.test'] });

    // Assess: Ben is erased, the shared address is retained and reported, Cleo's rows are as they were.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.plan.tables.find((t) => t.table === 'public.address')).toMatchObject({
      action: 'delete',
      rows: [],
      shared: { setting: 'retain', retained: [{ key: { id: 2 } }], referencedBy: { 'public.customer': 1 } },
    });
    expect((await pg.exec('SELECT count(*)::int AS n FROM public.customer WHERE id = 2')).rows[0].n).toBe(0);
    expect(await cleo()).toEqual(before);
    expect(result.verification.outcome).toBe('erased');
  });

  it('re-plans a row that changed between discovery and erasure, never erasing on stale information', async () => {
    // Prepare
    await pg.exec('UPDATE public.customer SET referred_by = NULL');
    const map = parseDataMap(MAP, 'test.yaml');
    const catalog = await readErasureCatalog(db, ['public']);
    const postgres = await PostgresTableSearcher.create(db, map, 'test.yaml');
    const { document } = await discoverSubject(
      { dataMap: map, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'r', identifiers: { email: ['ana@x.test'] } },
    );
    const { plan, problems } = planErasure({ dataMap: map, catalog }, { findings: document });
    expect(problems).toEqual([]);
    await pg.exec(`UPDATE public.orders SET total = 99.00 WHERE tenant = 7 AND id = 101`);
    const deps = { db, dataMap: map, catalog, maskKey: 'k', randomBytes: deterministic };
    const before = await snapshot();

    // Act
    const stale = await executePostgresErasure(deps, plan, { findings: document });

    // Assess: nothing changed; a fresh plan then runs.
    expect(stale).toEqual({
      outcome: 'stale',
      stale: [{ system: 'postgres', table: 'public.orders', rows: 1 }],
    });
    expect(await snapshot()).toBe(before);
    const again = await run(map, { email: ['ana@x.test'] });
    expect(again.outcome).toBe('executed');
    expect(
      (await pg.exec('SELECT count(*)::int AS n FROM public.orders WHERE customer_id = 1')).rows[0].n,
    ).toBe(0);
  });

  it('refuses an unacknowledged trigger, and once acknowledged ends erasure_unverified when it re-inserts a deleted row', async () => {
    // Prepare
    await pg.exec(`UPDATE public.customer SET referred_by = NULL;
      CREATE FUNCTION public.keep_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF OLD.event = 'logout' THEN INSERT INTO public.login_audit VALUES (OLD.customer_id, 'kept'); END IF; RETURN OLD; END $$;
      CREATE TRIGGER keep_audit AFTER DELETE ON public.login_audit FOR EACH ROW EXECUTE FUNCTION public.keep_audit();`);
    const refused = await run(parseDataMap(MAP, 'test.yaml'), { email: ['ana@x.test'] });
    expect(refused).toMatchObject({
      outcome: 'refused',
      problems: [{ table: 'public.login_audit', code: 'SIDE_EFFECT_UNACKNOWLEDGED' }],
    });
    const map = parseDataMap(
      MAP.replace(
        '  - table: public.login_audit\n    identities: { customer_id: customer_id }\n    erasure: delete',
        '  - table: public.login_audit\n    identities: { customer_id: customer_id }\n    erasure: { action: delete, triggers: { acknowledge: [keep_audit], writes: [public.login_audit] } }',
      ),
      'test.yaml',
    );

    // Act
    const result = await run(map, { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erasure_unverified');
    expect(result.verification.remaining).toEqual([
      { system: 'postgres', table: 'public.login_audit', rows: 1, reason: 'rows_remain' },
    ]);
  });

  it('a second run after the commit changes nothing and still proves the erasure', async () => {
    // Prepare
    await pg.exec('UPDATE public.customer SET referred_by = NULL');
    const map = parseDataMap(MAP, 'test.yaml');
    const catalog = await readErasureCatalog(db, ['public']);
    const postgres = await PostgresTableSearcher.create(db, map, 'test.yaml');
    // As erasure discovers (`planSubjectErasure`): order 100's lines are reached in both tenants and
    // the plan keeps the other tenant's out through the (tenant, order_id) foreign key.
    const { document } = await discoverSubject(
      { dataMap: map, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY, followGuard: false },
      { requestId: 'r', identifiers: { email: ['ana@x.test'] } },
    );
    const { plan } = planErasure({ dataMap: map, catalog }, { findings: document });
    const deps = { db, dataMap: map, catalog, maskKey: 'k', randomBytes: deterministic };
    const first = await executePostgresErasure(deps, plan, { findings: document });
    const after = await snapshot();

    // Act: the same plan delivered again (a crash after the commit).
    const second = await executePostgresErasure(deps, plan, { findings: document });

    // Assess
    expect(first.outcome).toBe('done');
    expect(second.outcome).toBe('done');
    if (second.outcome !== 'done' || first.outcome !== 'done') return;
    expect(second.steps.every((s) => s.changed === 0 && s.alreadyDone === s.planned)).toBe(true);
    expect(first.steps.find((s) => s.table === 'public.orders')).toMatchObject({
      changed: 2,
      alreadyDone: 0,
    });
    expect(await snapshot()).toBe(after);
  });

  it('a dry run changes nothing', async () => {
    await pg.exec('UPDATE public.customer SET referred_by = NULL');
    const before = await snapshot();
    const result = await run(parseDataMap(MAP, 'test.yaml'), { email: ['ana@x.test'] }, true);
    expect(result.outcome).toBe('planned');
    expect(await snapshot()).toBe(before);
  });
});
