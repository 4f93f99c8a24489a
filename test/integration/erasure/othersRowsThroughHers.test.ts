import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** Ana's poll, Ben's vote on it, Ana's vote on Ben's poll. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.polls (id int PRIMARY KEY, owner_id int, question text);
  CREATE TABLE app.votes (id int PRIMARY KEY, poll_id int, voter_id int, choice text);
  INSERT INTO app.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO app.polls VALUES (10, 1, 'ana asks'), (20, 2, 'ben asks');
  INSERT INTO app.votes VALUES (100, 10, 2, 'ben votes on ana''s poll'), (101, 20, 1, 'ana votes on ben''s poll'),
    (102, 10, 1, 'ana votes on her poll');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: app.polls
    primaryKey: [id]
    follow: { owner_id: app.users.id }
    erasure: delete
  - table: app.votes
    primaryKey: [id]
    follow: { poll_id: app.polls.id, voter_id: app.users.id }
    erasure: delete
`;

const scratch = useErasureDatabase('erase_others_through_hers', SCHEMA);

describe("Function: eraseSubject (another person's row reached through one of hers)", () => {
  it("keeps Ben's vote on her poll, reported as shared, and erases her poll and her own votes", async () => {
    // Prepare
    const others = { 'app.users': 'id = 2', 'app.polls': 'id = 20', 'app.votes': 'voter_id = 2' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess: before, Ben's vote was deleted with her poll.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erased');
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(
      await snapshotOthers(scratch.test, {
        'app.users': 'id = 1',
        'app.polls': 'id = 10',
        'app.votes': 'voter_id = 1',
      }),
    ).toEqual({ 'app.users': [], 'app.polls': [], 'app.votes': [] });
    expect(result.plan.tables.find((t) => t.table === 'app.votes')?.shared).toMatchObject({
      otherPersons: 1,
      retained: [expect.objectContaining({ key: { id: 100 } })],
    });
  });
});
