import { describe, expect, it } from 'vitest';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Users the data map erases, and relations the map does not name whose schema or name holds a dot:
 * PostgreSQL allows any text in a quoted identifier.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA IF EXISTS "Other.Stuff" CASCADE;
  DROP SCHEMA IF EXISTS "rep.orts" CASCADE; DROP SCHEMA IF EXISTS legacy CASCADE;
  CREATE SCHEMA app; CREATE SCHEMA "Other.Stuff"; CREATE SCHEMA "rep.orts"; CREATE SCHEMA legacy;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
  INSERT INTO app.users VALUES (1, 'ana@x.test', 'Ana'), (2, 'ben@x.test', 'Ben');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
`;

const ANA = { email: ['ana@x.test'] };
const scratch = useErasureDatabase('erase_names_with_dots', SCHEMA);

describe('Function: eraseSubject (relations the map does not name, with a dot in a name)', () => {
  it('refuses a cascade from a table of a schema named "Other.Stuff" into a row of another person, in the dry run and the change', async () => {
    // Prepare: Ben's referral names Ana.
    await scratch.test.exec(`
      CREATE TABLE "Other.Stuff".refs (id int PRIMARY KEY, user_id int REFERENCES app.users (id) ON DELETE CASCADE, note text);
      INSERT INTO "Other.Stuff".refs VALUES (100, 1, 'ben referred ana'), (101, 2, 'ana referred ben');
    `);
    const every = { 'app.users': 'true', '"Other.Stuff".refs': 'true' };
    const before = await snapshotOthers(scratch.test, every);

    // Act
    const dry = await erasePg(scratch.db, MAP, ANA, { dryRun: true });
    const change = await erasePg(scratch.db, MAP, ANA);

    // Assess: before, the schema's name was cut at its dot, its tables were not read, and the
    // cascade deleted Ben's row 100 with "erased".
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: [expect.objectContaining({ message: expect.stringContaining('would cascade to 1 row') })],
      });
    expect(await snapshotOthers(scratch.test, every)).toEqual(before);
  });

  it('searches a materialized view of a schema named "rep.orts" in the proof, naming it, instead of failing after the commit', async () => {
    // Prepare
    await scratch.test.exec(
      'CREATE MATERIALIZED VIEW "rep.orts".user_emails AS SELECT id, email FROM app.users',
    );
    const others = { 'app.users': 'id = 2' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, MAP, ANA);

    // Assess: before, the proof failed with `relation "rep.orts" does not exist` after Ana's row was deleted.
    expect(result).toMatchObject({
      outcome: 'executed',
      verification: {
        outcome: 'erasure_unverified',
        remaining: [{ table: '"rep.orts".user_emails', rows: 1, reason: 'found_beyond_map' }],
      },
    });
    expect(await countValues(scratch.test, ['app.users'], ['ana@x.test'])).toEqual({ 'app.users': 0 });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
  });

  it('scans a table named "notes.v1" in the opt-in scan of text columns, naming it', async () => {
    // Prepare
    await scratch.test.exec(`
      CREATE TABLE legacy."notes.v1" (id int PRIMARY KEY, body text);
      INSERT INTO legacy."notes.v1" VALUES (1, 'mail ana@x.test about it'), (2, 'ben wrote');
    `);

    // Act
    const result = await erasePg(scratch.db, MAP, ANA, {
      extra: { proofScanText: { maxRowsPerTable: 1000, statementTimeoutMs: 5000 } },
    });

    // Assess: before, the scan failed with `relation "legacy.notes" does not exist` after the commit.
    expect(result).toMatchObject({
      outcome: 'executed',
      verification: {
        outcome: 'erasure_unverified',
        remaining: [{ table: 'legacy."notes.v1"', column: 'body', rows: 1, reason: 'found_beyond_map' }],
      },
    });
  });
});
