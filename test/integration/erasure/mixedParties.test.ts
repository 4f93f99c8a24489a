import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** Messages name their sender by address and their recipient by user id. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
  CREATE TABLE app.messages (id int PRIMARY KEY, sender_email text, recipient_id int, body text);
  INSERT INTO app.users VALUES (1, 'ana@x.test', 'Ana'), (2, 'ben@x.test', 'Ben'), (3, 'cy@x.test', 'Cy');
  INSERT INTO app.messages VALUES (1000, 'ana@x.test', 2, 'ana to ben'), (1001, 'ben@x.test', 1, 'ben to ana'),
    (1002, 'ana@x.test', 1, 'note to self'), (1003, 'ben@x.test', 3, 'ben to cy');
`;

const USERS = `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [user_id]
    erasure: delete
  - table: app.messages
    primaryKey: [id]
`;

const MAPS = {
  'an identity and a follow': `${USERS}    identities: { email: sender_email }
    follow: { recipient_id: app.users.id }
    erasure: delete
`,
  'identities of two kinds': `${USERS}    identities: { email: sender_email, user_id: recipient_id }
    erasure: delete
`,
};

const scratch = useErasureDatabase('erase_mixed_parties', SCHEMA);

describe('Function: eraseSubject (a message whose parties are named by columns of different kinds)', () => {
  for (const [name, map] of Object.entries(MAPS))
    it(`retains the messages between the subject and another person, through ${name}, and deletes her own`, async () => {
      // Prepare
      const others = { 'app.users': 'id <> 1', 'app.messages': 'id <> 1002' };
      const before = await snapshotOthers(scratch.test, others);

      // Act
      const result = await erasePg(scratch.db, map, { email: ['ana@x.test'] });

      // Assess: before, both messages between Ana and Ben were deleted as hers alone.
      expect(result.outcome).toBe('executed');
      if (result.outcome !== 'executed') return;
      expect(result.verification.outcome).toBe('erased');
      expect(await snapshotOthers(scratch.test, others)).toEqual(before);
      expect(
        await snapshotOthers(scratch.test, { 'app.users': 'id = 1', 'app.messages': 'id = 1002' }),
      ).toEqual({
        'app.users': [],
        'app.messages': [],
      });
      expect(result.plan.tables.find((t) => t.table === 'app.messages')?.shared).toMatchObject({
        setting: 'retain',
        // People are counted by the identifiers the rows hold: Ben by his id in one message and by
        // his address in the other, which nothing in these rows ties together.
        otherPersons: 2,
        retained: [
          expect.objectContaining({ key: { id: 1000 } }),
          expect.objectContaining({ key: { id: 1001 } }),
        ],
      });
    });

  it('refuses, naming the shared rows and the way out, when a retained message holds a foreign key to her account', async () => {
    // Prepare
    await scratch.test.exec('ALTER TABLE app.messages ADD FOREIGN KEY (recipient_id) REFERENCES app.users');
    const everything = { 'app.users': 'true', 'app.messages': 'true' };
    const before = await snapshotOthers(scratch.test, everything);

    // Act
    const result = await erasePg(scratch.db, MAPS['an identity and a follow'], { email: ['ana@x.test'] });

    // Assess
    expect(result.outcome).toBe('refused');
    if (result.outcome !== 'refused') return;
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'REFERENCED_BY_UNDISCOVERED',
        table: 'app.messages',
        message: expect.stringContaining('shared with other people'),
      }),
    ]);
    expect(result.problems[0]?.message).toContain('shared: mask-own');
    expect(await snapshotOthers(scratch.test, everything)).toEqual(before);
  });
});
