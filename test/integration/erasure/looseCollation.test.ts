import { describe, expect, it } from 'vitest';
import { discoverWith } from '../../support/discovery';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Identity columns under a case- and accent-insensitive collation: Ana is jose@x.test, Ben is
 * josé@x.test, and the collation holds the two addresses equal.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE COLLATION app.ci_ai (provider = icu, locale = 'und-u-ks-level1', deterministic = false);
  CREATE TABLE app.newsletter (email text COLLATE app.ci_ai NOT NULL, topic text);
  CREATE TABLE app.tickets (id int PRIMARY KEY, requester text COLLATE app.ci_ai NOT NULL, body text);
  INSERT INTO app.newsletter VALUES ('jose@x.test', 'ana topic'), ('josé@x.test', 'ben topic');
  INSERT INTO app.tickets VALUES (1, 'jose@x.test', 'ana ticket'), (2, 'josé@x.test', 'ben ticket'),
    (3, 'JOSE@x.test', 'ana again');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.newsletter
    identities: { email: email }
    erasure: delete
  - table: app.tickets
    primaryKey: [id]
    identities: { email: requester }
    erasure: { action: mask, columns: { requester: hash, body: { redact: "[erased]" } } }
`;

const ANA = { email: ['jose@x.test'] };
const BEN = { 'app.newsletter': "topic = 'ben topic'", 'app.tickets': 'id = 2' };
const scratch = useErasureDatabase('erase_loose_collation', SCHEMA);

describe('Identity columns under a nondeterministic collation', () => {
  it("answers Ana with her rows, compared byte for byte after her kind's normalisation, and not Ben's", async () => {
    // Act
    const { document } = await discoverWith(scratch.db, MAP, ANA);

    // Assess: before, Ben's newsletter row and ticket were in Ana's answer.
    expect(document.findings.map((f) => [f.table, f.row.topic ?? f.row.body])).toEqual([
      ['app.newsletter', 'ana topic'],
      ['app.tickets', 'ana ticket'],
      ['app.tickets', 'ana again'],
    ]);
  });

  it("erases Ana's rows and leaves Ben's byte for byte", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, BEN);

    // Act
    const result = await erasePg(scratch.db, MAP, ANA);

    // Assess: before, Ben's newsletter row was deleted and his ticket masked, with "erased".
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, BEN)).toEqual(before);
    expect(
      await snapshotOthers(scratch.test, {
        'app.newsletter': "topic = 'ana topic'",
        'app.tickets': "body LIKE 'ana%'",
      }),
    ).toEqual({ 'app.newsletter': [], 'app.tickets': [] });
  });
});
