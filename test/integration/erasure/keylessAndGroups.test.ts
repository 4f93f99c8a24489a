import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Ana and Ben: posts with a unique id that the map names without a key, likes onto them from a
 * schema the map does not name, an address both live at (unique id, mapped without a key), and book
 * clubs joined through a membership table keyed by the club and the member, without foreign keys.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA IF EXISTS other CASCADE; CREATE SCHEMA app; CREATE SCHEMA other;
  CREATE TABLE app.address (id int NOT NULL UNIQUE, street text);
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, address_id int);
  CREATE TABLE app.posts (id int UNIQUE, user_id int, body text);
  CREATE TABLE other.likes (id int PRIMARY KEY, post_id int REFERENCES app.posts (id) ON DELETE CASCADE, who text);
  CREATE TABLE app.clubs (id int PRIMARY KEY, name text);
  CREATE TABLE app.members (club_id int, user_id int, PRIMARY KEY (club_id, user_id));
  INSERT INTO app.address VALUES (100, '1 Shared Road');
  INSERT INTO app.users VALUES (1, 'ana@x.test', 100), (2, 'ben@x.test', 100);
  INSERT INTO app.posts VALUES (10, 1, 'ana post'), (20, 2, 'ben post');
  INSERT INTO other.likes VALUES (1000, 10, 'ben'), (1001, 20, 'ana');
  INSERT INTO app.clubs VALUES (50, 'ana and ben'), (51, 'ana alone');
  INSERT INTO app.members VALUES (50, 1), (50, 2), (51, 1);
`;

const USERS = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
`;

const ANA = { email: ['ana@x.test'] };
const EVERYTHING = {
  'app.address': 'true',
  'app.users': 'true',
  'app.posts': 'true',
  'other.likes': 'true',
  'app.clubs': 'true',
  'app.members': 'true',
};

const scratch = useErasureDatabase('erase_keyless_groups', SCHEMA);

describe('Function: eraseSubject (tables mapped without a key that other rows lead to)', () => {
  it('refuses to delete from a keyless table a foreign key from another schema refers to, changing nothing', async () => {
    // Prepare
    const map = `${USERS}  - table: app.posts
    follow: { user_id: app.users.id }
    erasure: delete
`;
    const before = await snapshotOthers(scratch.test, EVERYTHING);

    // Act
    const dry = await erasePg(scratch.db, map, ANA, { dryRun: true });
    const result = await erasePg(scratch.db, map, ANA);

    // Assess: before, the cascade deleted Ben's like of Ana's post and the erasure said erased.
    for (const outcome of [dry, result]) {
      expect(outcome.outcome).toBe('refused');
      if (outcome.outcome !== 'refused') return;
      expect(outcome.problems).toEqual([
        expect.objectContaining({
          code: 'KEY_REFUSED',
          table: 'app.posts',
          message: expect.stringContaining('primaryKey: [id]'),
        }),
      ]);
    }
    expect(await snapshotOthers(scratch.test, EVERYTHING)).toEqual(before);
  });

  it('refuses to delete a keyless row reached from a column other people hold too (a shared address), changing nothing', async () => {
    // Prepare
    const map = `${USERS}  - table: app.address
    follow: { id: app.users.address_id }
    erasure: delete
`;
    const before = await snapshotOthers(scratch.test, EVERYTHING);

    // Act
    const result = await erasePg(scratch.db, map, ANA);

    // Assess: before, the address Ben lives at too was deleted.
    expect(result.outcome).toBe('refused');
    if (result.outcome !== 'refused') return;
    expect(result.problems).toEqual([expect.objectContaining({ code: 'KEY_REFUSED', table: 'app.address' })]);
    expect(await snapshotOthers(scratch.test, EVERYTHING)).toEqual(before);
  });
});

describe('Function: eraseSubject (a group joined through a table keyed by group and member)', () => {
  it('retains a club another member belongs to, without foreign keys, and deletes the one she alone was in', async () => {
    // Prepare
    const map = `${USERS}  - table: app.members
    primaryKey: [club_id, user_id]
    follow: { user_id: app.users.id }
    erasure: delete
  - table: app.clubs
    primaryKey: [id]
    follow: { id: app.members.club_id }
    erasure: delete
`;
    const others = { 'app.users': 'id = 2', 'app.members': 'user_id = 2', 'app.clubs': 'id = 50' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, map, ANA);

    // Assess: before, club 50 was deleted under Ben's membership.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(
      await snapshotOthers(scratch.test, { 'app.clubs': 'id = 51', 'app.members': 'user_id = 1' }),
    ).toEqual({
      'app.clubs': [],
      'app.members': [],
    });
    expect(result.plan.tables.find((t) => t.table === 'app.clubs')?.shared).toMatchObject({
      retained: [expect.objectContaining({ key: { id: 50 } })],
    });
  });
});
