import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** Ana and Ben share a household phone number; each has orders of their own. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, phone text, name text);
  CREATE TABLE app.orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES app.users, item text);
  INSERT INTO app.users VALUES (1, 'ana@x.test', '+1 206 555 0100', 'Ana'), (2, 'ben@x.test', '(206) 555-0100', 'Ben');
  INSERT INTO app.orders VALUES (10, 1, 'ana book'), (20, 2, 'ben medicine');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  phone: { normalize: phone, region: US }
  user_id: {}
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email, phone: phone, user_id: id }
    learn: [phone, user_id]
    erasure: delete
  - table: app.orders
    primaryKey: [id]
    follow: { user_id: app.users.id }
    erasure: delete
`;

const EVERYTHING = { 'app.users': 'true', 'app.orders': 'true' };
const BENS = { 'app.users': 'id = 2', 'app.orders': 'user_id = 2' };

const scratch = useErasureDatabase('erase_shared_request', SCHEMA);

describe("Function: eraseSubject (a request's value several people hold)", () => {
  it('refuses an erasure by a phone number two people share, in the dry run and the change, changing nothing', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, EVERYTHING);

    // Act
    const dry = await erasePg(scratch.db, MAP, { phone: ['+1 206-555-0100'] }, { dryRun: true });
    const result = await erasePg(scratch.db, MAP, { phone: ['+1 206-555-0100'] });

    // Assess: refused, naming the table, the column and the count, never the number.
    for (const outcome of [dry, result]) {
      expect(outcome.outcome).toBe('refused');
      if (outcome.outcome !== 'refused') return;
      expect(outcome.problems).toEqual([
        expect.objectContaining({
          code: 'IDENTIFIER_SHARED',
          table: 'app.users',
          column: 'phone',
          message: expect.stringContaining('held by 2 rows that may be different people'),
        }),
      ]);
      expect(JSON.stringify(outcome.problems)).not.toMatch(/555|0100/);
    }
    expect(await snapshotOthers(scratch.test, EVERYTHING)).toEqual(before);
  });

  it('erases by an address only the subject holds, and leaves the other holder of the phone as he was', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, BENS);

    // Act
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, BENS)).toEqual(before);
    expect(
      await snapshotOthers(scratch.test, { 'app.users': 'id = 1', 'app.orders': 'user_id = 1' }),
    ).toEqual({
      'app.users': [],
      'app.orders': [],
    });
  });
});
