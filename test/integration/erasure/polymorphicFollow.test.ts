import { describe, expect, it } from 'vitest';
import { DataMapError } from '../../../shared/errors/errors';
import { discoverWith } from '../../support/discovery';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Comments on users and on posts in one table, told apart by `commentable_type` (Rails'
 * polymorphic association): Ana is user 7, and Ben's post is post 7, so both carry
 * `commentable_id = 7`.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.posts (id int PRIMARY KEY, author_id int REFERENCES app.users, title text);
  CREATE TABLE app.comments (id int PRIMARY KEY, commentable_type text NOT NULL, commentable_id int NOT NULL, body text);
  INSERT INTO app.users VALUES (7, 'ana@x.test'), (8, 'ben@x.test');
  INSERT INTO app.posts VALUES (7, 8, 'ben writes');
  INSERT INTO app.comments VALUES
    (1, 'User', 7, 'on ana''s profile'),
    (2, 'Post', 7, 'on ben''s post'),
    (3, 'User', 8, 'on ben''s profile');
`;

const mapWith = (comments: string) => `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: app.posts
    primaryKey: [id]
    follow: { author_id: app.users.id }
    erasure: delete
  - table: app.comments
    primaryKey: [id]
    follow: { commentable_id: app.users.id }
${comments}    erasure: delete
`;

const UNNARROWED = mapWith('');
const NARROWED = mapWith('    followWhere: { commentable_id: { commentable_type: User } }\n');

const scratch = useErasureDatabase('erase_polymorphic_follow', SCHEMA);

describe('Follow edges from a column that refers to rows of several tables', () => {
  it('refuses the map that follows commentable_id without saying which rows refer to users, naming the column beside it and the way out', async () => {
    // Act
    const refused = await discoverWith(scratch.db, UNNARROWED, { email: ['ana@x.test'] }).catch((e) => e);

    // Assess: before, comment 2 (on Ben's post 7) was in Ana's answer.
    expect(refused).toBeInstanceOf(DataMapError);
    expect(String(refused.message)).toContain(
      'app.comments.commentable_id sits beside commentable_type, the shape of a reference to rows of several tables',
    );
    expect(String(refused.message)).toContain(
      'followWhere: { commentable_id: { commentable_type: <the value',
    );
  });

  it("answers Ana with the comment on her profile only, not the one on Ben's post 7", async () => {
    // Act
    const { document } = await discoverWith(scratch.db, NARROWED, { email: ['ana@x.test'] });

    // Assess
    expect(document.findings.filter((f) => f.table === 'app.comments').map((f) => f.key)).toEqual([
      { id: 1 },
    ]);
  });

  it("erases Ana's profile comment and leaves every comment on Ben's post and profile as it was", async () => {
    // Prepare
    const others = { 'app.users': 'id = 8', 'app.posts': 'true', 'app.comments': 'id IN (2, 3)' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, NARROWED, { email: ['ana@x.test'] });

    // Assess: without followWhere the erasure is refused with the map (above); before, comment 2 was deleted.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erased');
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(await countValues(scratch.test, ['app.comments'], ["on ana's profile"])).toEqual({
      'app.comments': 0,
    });
  });

  it('accepts the follow unnarrowed when a foreign key ties the column to one table', async () => {
    // Prepare
    await scratch.test.exec(
      `DELETE FROM app.comments WHERE commentable_type <> 'User';
       ALTER TABLE app.comments ADD FOREIGN KEY (commentable_id) REFERENCES app.users`,
    );

    // Act
    const { document } = await discoverWith(scratch.db, UNNARROWED, { email: ['ana@x.test'] });

    // Assess
    expect(document.findings.filter((f) => f.table === 'app.comments').map((f) => f.key)).toEqual([
      { id: 1 },
    ]);
  });
});
