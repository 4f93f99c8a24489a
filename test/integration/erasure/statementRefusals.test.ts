import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../support/discovery';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

// A role of this file's own (roles belong to the server), dropped at the end.
const ERASER = `sr_eraser_${randomBytes(4).toString('hex')}`;

/**
 * Customers whose rows the database refuses to change for reasons of its own: a trigger that raises
 * an error quoting the row, a generated column, and an erasure role without the grant a mask needs.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text,
    domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED);
  INSERT INTO app.customer (id, email, name) VALUES (1, 'ana@x.test', 'Ana'), (2, 'ben@x.test', 'Ben');
  CREATE FUNCTION app.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refusing to change customer %', OLD.email; END $$;
  GRANT USAGE ON SCHEMA app TO ${ERASER};
  GRANT SELECT, DELETE, UPDATE (id) ON app.customer TO ${ERASER};
`;
const mapWith = (rule: string) => `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.customer
    primaryKey: [id]
    identities: { email: email }
    erasure: ${rule}
`;
const ANA = { email: ['ana@x.test'] };
const EVERY_ROW = { 'app.customer': 'true' };

const scratch = useErasureDatabase('erase_refusals', SCHEMA, { freshPool: true });

beforeAll(async () => {
  await scratch.test.exec(`CREATE ROLE ${ERASER} LOGIN PASSWORD 'eraser'`);
});
afterAll(async () => {
  await scratch.test.exec(`DROP OWNED BY ${ERASER}; DROP ROLE ${ERASER}`);
});

describe('Function: eraseSubject (statements the database refuses for reasons of its own)', () => {
  it("names a trigger's own error by its SQLSTATE, never its text, which quotes the subject", async () => {
    // Prepare: an acknowledged trigger that refuses, quoting the row.
    await scratch.test.exec(
      'CREATE TRIGGER refuse BEFORE DELETE ON app.customer FOR EACH ROW EXECUTE FUNCTION app.refuse()',
    );
    const map = mapWith('{ action: delete, triggers: { acknowledge: [refuse] } }');
    const before = await snapshotOthers(scratch.test, EVERY_ROW);

    // Act
    const dry = await erasePg(scratch.db, map, ANA, { dryRun: true, writeDb: scratch.db });
    const change = await erasePg(scratch.db, map, ANA, { writeDb: scratch.db });

    // Assess
    for (const result of [dry, change]) {
      expect(result).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'app.customer',
            code: 'STATEMENT_REFUSED',
            message: expect.stringContaining(
              'a function or trigger raised an error, whose text is not shown',
            ),
          },
        ],
      });
      expect(JSON.stringify(result.outcome === 'refused' ? result.problems : [])).not.toContain('ana@x.test');
    }
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });

  it('refuses to mask a generated column at the plan, naming the way out', async () => {
    const result = await erasePg(scratch.db, mapWith('{ action: mask, columns: { domain: null } }'), ANA, {
      dryRun: true,
    });
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [
        {
          table: 'app.customer',
          column: 'domain',
          code: 'MASK_REFUSED',
          message: expect.stringContaining('is set by PostgreSQL alone (a generated column'),
        },
      ],
    });
  });

  it('names the missing grant when the erasure role may not update a masked column', async () => {
    // Prepare
    const url = new URL(scratch.test.dsn);
    url.username = ERASER;
    url.password = 'eraser';
    const writeDb = openDatabase(url.toString());
    const before = await snapshotOthers(scratch.test, EVERY_ROW);
    try {
      // Act
      const result = await erasePg(scratch.db, mapWith('{ action: mask, columns: { name: null } }'), ANA, {
        dryRun: true,
        writeDb,
      });

      // Assess
      expect(result).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'app.customer',
            code: 'STATEMENT_REFUSED',
            message: expect.stringContaining(
              'the erasure role lacks a privilege on table customer (the table itself, or one a trigger on it writes to); grant what `dsr datamap grants` prints',
            ),
          },
        ],
      });
    } finally {
      await writeDb.end();
    }
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
  });

  it('refuses to erase by a key of a type a statement cannot name rows by (an array), naming the way out', async () => {
    // Prepare
    await scratch.test.exec(`
      CREATE TABLE app.tagged (tags text[] PRIMARY KEY, email text);
      INSERT INTO app.tagged VALUES ('{a,b}', 'ana@x.test'), ('{c}', 'ben@x.test');`);
    const map = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.tagged
    primaryKey: [tags]
    identities: { email: email }
    erasure: delete
`;
    const before = await snapshotOthers(scratch.test, { 'app.tagged': 'true' });

    // Act
    const result = await erasePg(scratch.db, map, ANA, { writeDb: scratch.db });

    // Assess
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [
        {
          table: 'app.tagged',
          column: 'tags',
          code: 'KEY_REFUSED',
          message: expect.stringContaining(
            'is a key column of type text[]: a statement cannot name rows by a value of that type; map the table without a primaryKey',
          ),
        },
      ],
    });
    expect(await snapshotOthers(scratch.test, { 'app.tagged': 'true' })).toEqual(before);
  });

  it("refuses to erase through a follow onto part of another table's composite key that no foreign key names", async () => {
    // Prepare: customer 5 in two tenants; orders follow customer ids alone, with no foreign key.
    await scratch.test.exec(`
      CREATE TABLE app.client (tenant int, id int, email text, PRIMARY KEY (tenant, id));
      INSERT INTO app.client VALUES (1, 5, 'ana@x.test'), (2, 5, 'ben@x.test');
      CREATE TABLE app.purchase (id int PRIMARY KEY, tenant int, client_id int, total int);
      INSERT INTO app.purchase VALUES (100, 1, 5, 10), (101, 2, 5, 20);`);
    const map = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.client
    primaryKey: [tenant, id]
    identities: { email: email }
    erasure: { action: retain, ground: "the account stays open" }
  - table: app.purchase
    primaryKey: [id]
    follow: { client_id: app.client.id }
    erasure: delete
`;
    const before = await snapshotOthers(scratch.test, { 'app.purchase': 'true' });

    // Act
    const result = await erasePg(scratch.db, map, ANA, { writeDb: scratch.db });

    // Assess: refused before anything changes; Ben's purchase 101 is still there.
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [
        {
          table: 'app.purchase',
          column: 'client_id',
          code: 'FOLLOW_AMBIGUOUS',
          message: expect.stringContaining('follows app.client.id, which is not unique there'),
        },
      ],
    });
    expect(await snapshotOthers(scratch.test, { 'app.purchase': 'true' })).toEqual(before);

    // With the foreign key declared, the other tenant's purchase is excluded and the subject's erased.
    await scratch.test.exec(
      'ALTER TABLE app.purchase ADD FOREIGN KEY (tenant, client_id) REFERENCES app.client (tenant, id)',
    );
    const declared = await erasePg(scratch.db, map, ANA, { writeDb: scratch.db });
    expect(declared).toMatchObject({
      outcome: 'executed',
      plan: {
        tables: expect.arrayContaining([
          expect.objectContaining({
            table: 'app.purchase',
            found: 2,
            excluded: 1,
            rows: [expect.objectContaining({ key: { id: 100 } })],
          }),
        ]),
      },
    });
    expect((await scratch.test.exec('SELECT id FROM app.purchase')).rows).toEqual([{ id: 101 }]);
  });
});
