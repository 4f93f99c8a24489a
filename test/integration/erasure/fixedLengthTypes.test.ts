import { describe, expect, it } from 'vitest';
import { discoverWith } from '../../support/discovery';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Columns of `character(n)` and `bit(n)`: cast to their type without its length they are
 * `character(1)` and `bit(1)`, and a value cut to its first character names another row (Ben's
 * account 'A' for Ana's 'AB1234'), counts nobody (a shared code counted as held by no row) or
 * masks to one character.
 *
 * Ana and Ben. Ana's account code is 'AB1234', Ben's 'A'. Both members hold the code 'AB12' (a
 * shared code, never followed). Each member has a unique `character(20)` code that is masked.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.account (code char(6) PRIMARY KEY, email text NOT NULL, name text);
  CREATE TABLE app.flags (bits bit(8) PRIMARY KEY, account char(6) NOT NULL REFERENCES app.account, note text);
  CREATE TABLE app.member (id int PRIMARY KEY, email text NOT NULL, club char(8) NOT NULL, badge char(20) UNIQUE);
  CREATE TABLE app.ticket (id int PRIMARY KEY, club char(8), note text);
  INSERT INTO app.account VALUES ('AB1234', 'ana@x.test', 'Ana'), ('A', 'ben@x.test', 'Ben');
  INSERT INTO app.flags VALUES (B'10100000', 'AB1234', 'ana flags'), (B'10000000', 'A', 'ben flags');
  INSERT INTO app.member VALUES (1, 'ana@x.test', 'AB12', 'ana-badge-0001'), (2, 'ben@x.test', 'AB12', 'ben-badge-0002');
  INSERT INTO app.ticket VALUES (10, 'AB12', 'a ticket of the club');
`;
const HEAD = `version: 1
identities:
  email: { normalize: lowercase }
  club: {}
postgres:
`;
const ACCOUNTS = `${HEAD}  - table: app.account
    primaryKey: [code]
    identities: { email: email }
    erasure: delete
  - table: app.flags
    primaryKey: [bits]
    follow: { account: app.account.code }
    erasure: delete
`;
const MEMBERS = `${HEAD}  - table: app.member
    primaryKey: [id]
    identities: { email: email, club: club }
    learn: [club]
    erasure: { action: mask, columns: { email: hash, badge: hash } }
  - table: app.ticket
    primaryKey: [id]
    identities: { club: club }
`;
const OTHERS = {
  'app.account': "code <> 'AB1234'",
  'app.flags': "account <> 'AB1234'",
  'app.member': 'id <> 1',
  'app.ticket': 'true',
};
const ANA = { email: ['ana@x.test'] };

const scratch = useErasureDatabase('erase_fixed_length', SCHEMA, { freshPool: true });

describe('character(n) and bit(n) columns', () => {
  it("erases a subject keyed by character(6) and bit(8), never naming another person's row by a cut key", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act
    const result = await erasePg(scratch.db, ACCOUNTS, ANA, { writeDb: scratch.db });

    // Assess
    expect(result).toMatchObject({
      outcome: 'executed',
      steps: [
        { table: 'app.flags', action: 'delete', planned: 1, changed: 1, alreadyDone: 0 },
        { table: 'app.account', action: 'delete', planned: 1, changed: 1, alreadyDone: 0 },
      ],
      verification: { outcome: 'erased' },
    });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(
      await countValues(scratch.test, ['app.account', 'app.flags'], ['ana@x.test', 'ana flags']),
    ).toEqual({
      'app.account': 0,
      'app.flags': 0,
    });
  });

  it('does not follow a character(8) value two people hold, so the other person is not found', async () => {
    // Act
    const { document } = await discoverWith(scratch.db, MEMBERS, ANA);

    // Assess: Ana's member row only; the shared club code is counted and not followed.
    expect(document.findings.map((f) => `${f.table} ${JSON.stringify(f.key)}`)).toEqual([
      'app.member {"id":1}',
    ]);
    expect(document.notFollowed).toEqual([expect.objectContaining({ table: 'app.member', column: 'club' })]);
  });

  it('masks a character(20) column with a keyed hash of its whole length', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);

    // Act
    const result = await erasePg(scratch.db, MEMBERS, ANA, { writeDb: scratch.db });

    // Assess
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    const badge = await scratch.test.exec('SELECT badge::text AS badge FROM app.member WHERE id = 1');
    expect(badge.rows[0].badge).toMatch(/^[0-9a-f]{20}$/);
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });
});
