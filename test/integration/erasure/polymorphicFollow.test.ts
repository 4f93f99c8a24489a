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

  it('refuses a follow onto the column that refers to rows of several tables, as from it', async () => {
    // Prepare: attachments followed from the comments' commentable_id (attachment 7 and Ben's post 7 alike).
    await scratch.test.exec(`CREATE TABLE app.attachments (id int PRIMARY KEY, filename text);
      INSERT INTO app.attachments VALUES (7, 'ben_passport.pdf')`);
    const map = `${NARROWED}  - table: app.attachments
    primaryKey: [id]
    follow: { id: app.comments.commentable_id }
    erasure: delete
`;

    // Act
    const refused = await discoverWith(scratch.db, map, { email: ['ana@x.test'] }).catch((e) => e);

    // Assess: before, Ben's passport (attachment 7) was in Ana's answer and erased with her.
    expect(refused).toBeInstanceOf(DataMapError);
    expect(String(refused.message)).toContain(
      'app.comments.commentable_id sits beside commentable_type, the shape of a reference to rows of several tables, and no foreign key ties it to one: its values are ids of rows of several tables',
    );
  });

  it("decides which rows are shared by the narrowed follow: Ana's comment on post 8 names no user 8, and is erased", async () => {
    // Prepare: Ana's own comments carry her as author; one is on post 8, whose id is Ben's user id.
    await scratch.test.exec(`ALTER TABLE app.comments ADD COLUMN author_id int;
      INSERT INTO app.posts VALUES (8, 7, 'ana writes');
      INSERT INTO app.comments VALUES (4, 'Post', 8, 'ana on her post 8', 7), (5, 'User', 8, 'ana on ben''s profile', 7)`);
    const map = NARROWED.replace(
      'follow: { commentable_id: app.users.id }',
      'follow: { commentable_id: app.users.id, author_id: app.users.id }',
    );
    const others = { 'app.users': 'id = 8', 'app.comments': 'id IN (2, 3, 5)' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, map, { email: ['ana@x.test'] });

    // Assess: before, comment 4 was retained as "shared with 1 other person" (post 8 read as user 8)
    // and left in place with "erased"; comment 5, on Ben's profile, is shared and retained.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(await snapshotOthers(scratch.test, { 'app.comments': 'id = 4' })).toEqual({ 'app.comments': [] });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(
      result.plan.tables.find((t) => t.table === 'app.comments')?.shared?.retained.map((r) => r.key),
    ).toEqual([{ id: 5 }]);
  });

  it('refuses the column mapped as an identity instead of followed, naming followWhere as the way out', async () => {
    // Prepare
    const map = `version: 1
identities:
  user_id: {}
postgres:
  - table: app.comments
    primaryKey: [id]
    identities: { user_id: commentable_id }
`;

    // Act
    const refused = await discoverWith(scratch.db, map, { user_id: ['7'] }).catch((e) => e);

    // Assess: before, a request by user 7 returned the comment on Ben's post 7.
    expect(refused).toBeInstanceOf(DataMapError);
    expect(String(refused.message)).toContain(
      'app.comments.commentable_id sits beside commentable_type, the shape of a reference to rows of several tables, and no foreign key ties it to one: searched as user_id',
    );
  });
});
