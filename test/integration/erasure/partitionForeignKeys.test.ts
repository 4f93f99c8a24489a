import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Orders partitioned by region, with a foreign key to users declared on the partitioned table
 * (PostgreSQL copies it onto each partition). Ana has an order in each region, Ben one in `eu`.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA IF EXISTS other CASCADE; CREATE SCHEMA app; CREATE SCHEMA other;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.orders (id int, region text, user_id int NOT NULL REFERENCES app.users (id), item text,
    PRIMARY KEY (id, region)) PARTITION BY LIST (region);
  CREATE TABLE app.orders_eu PARTITION OF app.orders FOR VALUES IN ('eu');
  CREATE TABLE app.orders_us PARTITION OF app.orders FOR VALUES IN ('us');
  ALTER TABLE app.orders_eu ADD CONSTRAINT orders_eu_id UNIQUE (id);
  INSERT INTO app.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO app.orders VALUES (10, 'eu', 1, 'ana eu'), (11, 'us', 1, 'ana us'), (20, 'eu', 2, 'ben eu');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: app.orders
    primaryKey: [id, region]
    follow: { user_id: app.users.id }
    erasure: delete
`;

const ANA = { email: ['ana@x.test'] };
const scratch = useErasureDatabase('erase_partition_fks', SCHEMA);

describe('Function: eraseSubject (foreign keys of partitioned tables)', () => {
  it("erases rows of a partitioned table whose foreign key PostgreSQL copied onto each partition, and nobody else's", async () => {
    // Prepare
    const bens = { 'app.users': 'id = 2', 'app.orders': 'user_id = 2' };
    const before = await snapshotOthers(scratch.test, bens);

    // Act
    const result = await erasePg(scratch.db, MAP, ANA);

    // Assess: before, the copies on app.orders_eu and app.orders_us were taken for unmapped tables
    // referring to Ana's row, and the erasure was refused.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, bens)).toEqual(before);
    expect(
      await snapshotOthers(scratch.test, { 'app.users': 'id = 1', 'app.orders': 'user_id = 1' }),
    ).toEqual({
      'app.users': [],
      'app.orders': [],
    });
  });

  it("refuses a plan a cascade from a foreign key onto one partition would carry into another person's row", async () => {
    // Prepare: Ben likes Ana's order 10, through a key onto the partition app.orders_eu.
    await scratch.test.exec(`CREATE TABLE other.likes (id int PRIMARY KEY,
        order_id int REFERENCES app.orders_eu (id) ON DELETE CASCADE, who text);
      INSERT INTO other.likes VALUES (100, 10, 'ben'), (101, 20, 'ben')`);
    const everything = { 'app.users': 'true', 'app.orders': 'true', 'other.likes': 'true' };
    const before = await snapshotOthers(scratch.test, everything);

    // Act
    const dry = await erasePg(scratch.db, MAP, ANA, { dryRun: true });
    const result = await erasePg(scratch.db, MAP, ANA);

    // Assess: refused in the dry run and the change, naming the referencing table; nothing changed.
    for (const outcome of [dry, result]) {
      expect(outcome.outcome).toBe('refused');
      if (outcome.outcome !== 'refused') return;
      expect(outcome.problems).toEqual([
        expect.objectContaining({ code: 'CASCADE_TO_UNDISCOVERED', table: 'other.likes' }),
      ]);
    }
    expect(await snapshotOthers(scratch.test, everything)).toEqual(before);
  });
});
