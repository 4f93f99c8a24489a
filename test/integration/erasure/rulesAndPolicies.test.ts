import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { openDatabase } from '../../support/discovery';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

// Roles belong to the server: names of this file's own, dropped at the end.
const SUFFIX = randomBytes(4).toString('hex');
const ERASER = `rp_eraser_${SUFFIX}`;
const READER = `rp_reader_${SUFFIX}`;

/**
 * Customers and their orders (no foreign key between them: nothing but the checks notices a row the
 * erasure role's statement skips), an audit table the data map does not name, an erasure role with
 * the grants `dsr datamap grants` prints, and a reading role that can read everything.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS audit CASCADE;
  CREATE SCHEMA shop; CREATE SCHEMA audit;
  CREATE TABLE shop.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
  CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL, region text NOT NULL, note text);
  CREATE TABLE audit.deleted_customer (id int, email text, name text);
  INSERT INTO shop.customer VALUES (1, 'ana@x.test', 'Ana Lund'), (2, 'ben@x.test', 'Ben Ode');
  INSERT INTO shop.orders VALUES (10, 1, 'eu', 'first'), (11, 1, 'us', 'second'), (12, 2, 'eu', 'third'),
    (13, 2, 'us', 'fourth');
  INSERT INTO audit.deleted_customer VALUES (3, 'cleo@x.test', 'Cleo Berg');
  GRANT USAGE ON SCHEMA shop TO ${ERASER};
  GRANT SELECT, DELETE, UPDATE (id) ON shop.customer, shop.orders TO ${ERASER};
  GRANT USAGE ON SCHEMA shop, audit TO ${READER};
  GRANT SELECT ON ALL TABLES IN SCHEMA shop, audit TO ${READER};
`;

const TABLES = `  - table: shop.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
`;
const ORDERS = `  - table: shop.orders
    primaryKey: [id]
    identities: { customer_id: customer_id }
`;
const HEAD = `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
postgres:
`;
const mapWith = (customerRule: string, ordersRule = 'delete') =>
  `${HEAD}${TABLES}    erasure: ${customerRule}\n${ORDERS}    erasure: ${ordersRule}\n`;

const EVERY_ROW = { 'shop.customer': 'true', 'shop.orders': 'true', 'audit.deleted_customer': 'true' };
const OTHERS = {
  'shop.customer': 'id <> 1',
  'shop.orders': 'customer_id <> 1',
  'audit.deleted_customer': 'id <> 1',
};
const ANA = { email: ['ana@x.test'] };

const scratch = useErasureDatabase('erase_rules', SCHEMA, { freshPool: true });

beforeAll(async () => {
  await scratch.test.exec(
    `CREATE ROLE ${ERASER} LOGIN PASSWORD 'eraser'; CREATE ROLE ${READER} LOGIN PASSWORD 'reader'`,
  );
});
afterAll(async () => {
  // Runs before the database is dropped (after-hooks run in reverse): the grants go with the roles.
  await scratch.test.exec(`DROP OWNED BY ${ERASER}, ${READER}; DROP ROLE ${ERASER}, ${READER}`);
});

/** A pool logged in as `role`, closed after `use`. */
async function asRole<T>(role: string, use: (db: PgDatabase) => Promise<T>): Promise<T> {
  const url = new URL(scratch.test.dsn);
  url.username = role;
  url.password = role === ERASER ? 'eraser' : 'reader';
  const db = openDatabase(url.toString());
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

/** The dry run, then the change, of the subject's erasure under `map`, both as the erasure role. */
function dryRunThenErase(map: string) {
  return asRole(ERASER, async (writeDb) => [
    await erasePg(scratch.db, map, ANA, { dryRun: true, writeDb }),
    await erasePg(scratch.db, map, ANA, { writeDb }),
  ]);
}

describe('Function: eraseSubject (a rule on a planned table)', () => {
  const RULE = `CREATE RULE keep_deleted AS ON DELETE TO shop.customer
    DO ALSO INSERT INTO audit.deleted_customer VALUES (OLD.id, OLD.email, OLD.name)`;

  it('refuses the plan while the rule is not acknowledged, naming it, in the dry run and the change; nothing changes', async () => {
    // Prepare
    await scratch.test.exec(RULE);
    const before = await snapshotOthers(scratch.test, EVERY_ROW);

    // Act
    const [dry, change] = await dryRunThenErase(mapWith('delete'));

    // Assess
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'shop.customer',
            code: 'SIDE_EFFECT_UNACKNOWLEDGED',
            message: expect.stringContaining('rule keep_deleted fires on the planned DELETE'),
          },
        ],
      });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });

  it('refuses a mask while an ON UPDATE rule copies the old row, and lets an ON INSERT rule be', async () => {
    // Prepare: a rule's event is `ev_type` 2 for UPDATE and 3 for INSERT in pg_rewrite.
    await scratch.test.exec(`
      CREATE RULE keep_old AS ON UPDATE TO shop.customer
        DO ALSO INSERT INTO audit.deleted_customer VALUES (OLD.id, OLD.email, OLD.name);
      CREATE RULE log_new AS ON INSERT TO shop.customer
        DO ALSO INSERT INTO audit.deleted_customer VALUES (NEW.id, NULL, NULL);
    `);
    const before = await snapshotOthers(scratch.test, EVERY_ROW);

    // Act
    const [dry, change] = await dryRunThenErase(
      mapWith('{ action: mask, columns: { email: hash, name: { redact: "[erased]" } } }'),
    );

    // Assess: before, the UPDATE rule was not seen: "erased", with Ana's address and name in the audit table.
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'shop.customer',
            code: 'SIDE_EFFECT_UNACKNOWLEDGED',
            message: expect.stringContaining('rule keep_old fires on the planned UPDATE'),
          },
        ],
      });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });

  it('acknowledged with the table it writes: the proof finds the copy there and ends erasure_unverified naming it', async () => {
    // Prepare
    await scratch.test.exec(RULE);
    const before = await snapshotOthers(scratch.test, OTHERS);
    const map = mapWith(
      '{ action: delete, triggers: { acknowledge: [keep_deleted], writes: [audit.deleted_customer] } }',
    );

    // Act
    const result = await asRole(ERASER, (writeDb) => erasePg(scratch.db, map, ANA, { writeDb }));

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({
      outcome: 'erasure_unverified',
      remaining: [
        { system: 'postgres', table: 'audit.deleted_customer', rows: 1, reason: 'found_beyond_map' },
      ],
    });
    expect(await countValues(scratch.test, ['shop.customer', 'shop.orders'], ['ana@x.test'])).toEqual({
      'shop.customer': 0,
      'shop.orders': 0,
    });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('an acknowledged DO INSTEAD NOTHING rule: the DELETE changes fewer rows than it locked, and the change is refused naming the rule', async () => {
    // Prepare
    await scratch.test.exec('CREATE RULE keep_orders AS ON DELETE TO shop.orders DO INSTEAD NOTHING');
    const before = await snapshotOthers(scratch.test, EVERY_ROW);
    const map = mapWith('delete', '{ action: delete, triggers: { acknowledge: [keep_orders] } }');

    // Act
    const [dry, change] = await dryRunThenErase(map);

    // Assess
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'shop.orders',
            code: 'ROWS_NOT_CHANGED',
            message: expect.stringMatching(/DELETE changed 0 of the 2 locked row\(s\).*rule keep_orders/),
          },
        ],
      });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });
});

describe('Function: eraseSubject (a row-security policy on a planned table)', () => {
  const ENABLE = 'ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY';
  const ACKNOWLEDGED = (policy: string) => `{ action: delete, triggers: { acknowledge: [${policy}] } }`;

  it('refuses the plan while its policies are not acknowledged, naming each (a SELECT-only one too); nothing changes', async () => {
    // Prepare: a DELETE reads its rows through SELECT policies, so a FOR SELECT policy applies to it.
    await scratch.test.exec(`${ENABLE}; CREATE POLICY eu_only ON shop.orders USING (region = 'eu');
      CREATE POLICY read_all ON shop.orders FOR SELECT USING (true)`);
    const before = await snapshotOthers(scratch.test, EVERY_ROW);

    // Act
    const [dry, change] = await dryRunThenErase(mapWith('delete'));

    // Assess
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: ['eu_only', 'read_all'].map((name) => ({
          table: 'shop.orders',
          code: 'SIDE_EFFECT_UNACKNOWLEDGED',
          message: expect.stringContaining(`row-security policy ${name} applies to the planned DELETE`),
        })),
      });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });

  it.each([
    // Hides the subject's 'us' order from the erasure role.
    [
      "a policy hiding one of the subject's rows",
      `CREATE POLICY eu_only ON shop.orders USING (region = 'eu')`,
      'eu_only',
      1,
    ],
    // No UPDATE policy: SELECT … FOR UPDATE and DELETE see no row at all (row security denies by default).
    ['a SELECT-only policy', 'CREATE POLICY read_all ON shop.orders FOR SELECT USING (true)', 'read_all', 2],
  ])(
    'acknowledged, %s: the rows the erasure role cannot see are named and the change is refused before anything changes',
    async (_, policy, name, hidden) => {
      // Prepare
      await scratch.test.exec(`${ENABLE}; ${policy}`);
      const before = await snapshotOthers(scratch.test, EVERY_ROW);
      const map = mapWith('delete', ACKNOWLEDGED(name));

      // Act
      const [dry, change] = await dryRunThenErase(map);

      // Assess
      for (const r of [dry, change])
        expect(r).toMatchObject({
          outcome: 'refused',
          problems: [
            {
              table: 'shop.orders',
              code: 'ROWS_HIDDEN',
              message: expect.stringMatching(
                new RegExp(
                  `row security hides ${hidden} of the 2 planned row\\(s\\) from the erasure role .*${name}`,
                ),
              ),
            },
          ],
        });
      expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
    },
  );

  it("acknowledged, a policy that hides none of the subject's rows: erased, and nothing of the subject is findable", async () => {
    // Prepare
    await scratch.test.exec(
      `${ENABLE}; CREATE POLICY not_archived ON shop.orders USING (region <> 'archive')`,
    );
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act
    const result = await asRole(ERASER, (writeDb) =>
      erasePg(scratch.db, mapWith('delete', ACKNOWLEDGED('not_archived')), ANA, { writeDb }),
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased', remaining: [] } });
    expect(await countValues(scratch.test, ['shop.customer'], ['ana@x.test', 'Ana Lund'])).toEqual({
      'shop.customer': 0,
    });
    expect(
      (await scratch.test.exec('SELECT count(*)::int AS n FROM shop.orders WHERE customer_id = 1')).rows[0].n,
    ).toBe(0);
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('a reading role the policy applies to: discovery and the proof could miss rows, so the plan is refused naming the table', async () => {
    // Prepare: the policy hides the subject's 'us' order from every role it applies to.
    await scratch.test.exec(`${ENABLE}; CREATE POLICY eu_only ON shop.orders USING (region = 'eu')`);
    const before = await snapshotOthers(scratch.test, EVERY_ROW);
    const map = mapWith('delete', ACKNOWLEDGED('eu_only'));

    // Act
    const result = await asRole(READER, (db) =>
      asRole(ERASER, (writeDb) => erasePg(db, map, ANA, { writeDb })),
    );

    // Assess
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [
        {
          table: 'shop.orders',
          code: 'ROWS_HIDDEN',
          message: expect.stringContaining('row security is active for the reading role'),
        },
      ],
    });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });
});

describe('Function: eraseSubject (row security on tables the plan only reads)', () => {
  it('refuses while a policy hides from the reading role a row of another table that a cascade from hers would reach', async () => {
    // Prepare: Ben's note on Ana's wall, in a table the map does not name, hidden from the reader.
    await scratch.test.exec(`
      CREATE TABLE audit.wall (id int PRIMARY KEY, on_customer int REFERENCES shop.customer ON DELETE CASCADE, body text);
      INSERT INTO audit.wall VALUES (10, 1, 'ben writes on ana''s wall'), (11, 2, 'ben''s own');
      ALTER TABLE audit.wall ENABLE ROW LEVEL SECURITY;
      CREATE POLICY own_wall ON audit.wall FOR SELECT USING (on_customer = 2);
      GRANT SELECT ON audit.wall TO ${READER};
    `);
    const every = { ...EVERY_ROW, 'audit.wall': 'true' };
    const before = await snapshotOthers(scratch.test, every);

    // Act
    const result = await asRole(READER, (db) => erasePg(db, mapWith('delete'), ANA, { writeDb: scratch.db }));

    // Assess: before, the reader counted no reference, and the cascade deleted Ben's note with "erased".
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [
        {
          table: 'audit.wall',
          code: 'ROWS_HIDDEN',
          message: expect.stringContaining(
            'refers to rows the plan changes (foreign key wall_on_customer_fkey onto shop.customer)',
          ),
        },
      ],
    });
    expect(await snapshotOthers(scratch.test, every)).toEqual(before);
  });

  it('refuses while a policy hides from the reading role the rows of a mapped table the plan retains', async () => {
    // Prepare: the orders are retained, and the reader sees only Ana's.
    await scratch.test.exec(`ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
      CREATE POLICY hers ON shop.orders FOR SELECT USING (customer_id = 1)`);
    const before = await snapshotOthers(scratch.test, EVERY_ROW);

    // Act
    const result = await asRole(READER, (db) =>
      erasePg(db, mapWith('delete', '{ action: retain, ground: "tax law" }'), ANA, { writeDb: scratch.db }),
    );

    // Assess: a table the plan only reads decides which of her rows are shared with others.
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [{ table: 'shop.orders', code: 'ROWS_HIDDEN' }],
    });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });
});
