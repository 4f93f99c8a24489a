import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Values whose text PostgreSQL prints is not their canonical form: a `bytea` key (canonical base64,
 * printed as hex), and keyless rows found by an `inet` address (printed with `/32` where a host
 * mask is not the default) and by a `character(12)` code (printed without its padding when cast).
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.devices (token bytea PRIMARY KEY, owner_email text NOT NULL, model text);
  CREATE TABLE app.hits (ip inet, path text);
  CREATE TABLE app.codes (code character(12), note text);
  INSERT INTO app.devices VALUES ('\\x0102ff'::bytea, 'ana@x.test', 'phone'), ('\\x0a0b'::bytea, 'ben@x.test', 'tablet');
  INSERT INTO app.hits VALUES ('203.0.113.7', '/a'), ('203.0.113.7', '/b'), ('198.51.100.2', '/c');
  INSERT INTO app.codes VALUES ('ANA7', 'hers'), ('BEN9', 'his');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  ip: {}
  code: {}
postgres:
  - table: app.devices
    primaryKey: [token]
    identities: { email: owner_email }
    erasure: delete
  - table: app.hits
    identities: { ip: ip }
    erasure: delete
  - table: app.codes
    identities: { code: code }
    erasure: delete
`;

const OTHERS = {
  'app.devices': "owner_email <> 'ana@x.test'",
  'app.hits': "ip <> '203.0.113.7'",
  'app.codes': "code <> 'ANA7'",
};
const HERS = {
  'app.devices': "owner_email = 'ana@x.test'",
  'app.hits': "ip = '203.0.113.7'",
  'app.codes': "code = 'ANA7'",
};

const scratch = useErasureDatabase('erase_key_text', SCHEMA);

describe('Function: eraseSubject (keys and found columns whose text is not their canonical form)', () => {
  it("erases the rows the dry run planned, by a bytea key, an inet and a character(n) value, and nobody else's", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);
    const subject = { email: ['ana@x.test'], ip: ['203.0.113.7'], code: ['ANA7'] };

    // Act
    const dry = await erasePg(scratch.db, MAP, subject, { dryRun: true });
    const result = await erasePg(scratch.db, MAP, subject);

    // Assess: before, the change found none of the planned rows (compared as PostgreSQL prints
    // them), counted them as already done, and ended erasure_unverified with every row left.
    expect(dry.outcome).toBe('planned');
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.steps.map((s) => [s.table, s.changed]).sort()).toEqual([
      ['app.codes', 1],
      ['app.devices', 1],
      ['app.hits', 2],
    ]);
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, HERS)).toEqual({
      'app.devices': [],
      'app.hits': [],
      'app.codes': [],
    });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('erases the keyless rows found by an element of a text[] column, and retains the thread shared with Ben', async () => {
    // Prepare
    await scratch.test.exec(`
      CREATE TABLE app.threads (participants text[], subject text);
      INSERT INTO app.threads VALUES ('{ana@x.test,ben@x.test}', 'ana+ben'), ('{ana@x.test}', 'ana alone'),
        ('{ben@x.test}', 'ben alone');
    `);
    const map = MAP.replace(
      '  - table: app.codes',
      '  - table: app.threads\n    identities: { email: participants }\n    erasure: delete\n  - table: app.codes',
    );
    const others = { ...OTHERS, 'app.threads': "subject <> 'ana alone'" };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, map, { email: ['ana@x.test'] });

    // Assess: before, no row was locked by an array value, the thread was counted as already done,
    // and every run ended erasure_unverified with it left.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.steps.find((s) => s.table === 'app.threads')?.changed).toBe(1);
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, { 'app.threads': "subject = 'ana alone'" })).toEqual({
      'app.threads': [],
    });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
  });
});
