import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Users with a stored generated column computed from the masked e-mail address, which another
 * schema's invitations refer to with ON UPDATE CASCADE; Ben's invitation names Ana as its inviter.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA IF EXISTS other CASCADE; CREATE SCHEMA app; CREATE SCHEMA other;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL, name text,
    email_key text GENERATED ALWAYS AS (lower(email)) STORED UNIQUE);
  CREATE TABLE other.invites (id int PRIMARY KEY, invitee text,
    inviter text REFERENCES app.users (email_key) ON UPDATE CASCADE);
  INSERT INTO app.users (id, email, name) VALUES (1, 'Ana@x.test', 'Ana'), (2, 'ben@x.test', 'Ben');
  INSERT INTO other.invites VALUES (10, 'ben', 'ana@x.test');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: { action: mask, columns: { email: hash, name: null } }
`;

const scratch = useErasureDatabase('erase_generated_reference', SCHEMA);

describe('Function: eraseSubject (a generated column another table refers to)', () => {
  it('refuses a mask of a column a referenced generated column is computed from, changing nothing', async () => {
    // Prepare
    const everything = { 'app.users': 'true', 'other.invites': 'true' };
    const before = await snapshotOthers(scratch.test, everything);

    // Act
    const dry = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] }, { dryRun: true });
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess: before, Ben's invitation was rewritten to the hash through the cascade.
    for (const outcome of [dry, result]) {
      expect(outcome.outcome).toBe('refused');
      if (outcome.outcome !== 'refused') return;
      expect(outcome.problems).toEqual([
        expect.objectContaining({
          code: 'MASK_REFUSED',
          column: 'email',
          message: expect.stringContaining(
            'generated column email_key, computed from it, is referenced by other.invites',
          ),
        }),
      ]);
    }
    expect(await snapshotOthers(scratch.test, everything)).toEqual(before);
  });
});
