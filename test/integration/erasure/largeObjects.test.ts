import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** A user's scanned passport kept as a large object, referred to by `documents.scan` (an `oid`). */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  SELECT lo_unlink(oid) FROM pg_largeobject_metadata;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.documents (id int PRIMARY KEY, user_id int NOT NULL REFERENCES app.users (id), scan oid);
  INSERT INTO app.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO app.documents VALUES
    (10, 1, lo_from_bytea(0, convert_to('passport of ana@x.test', 'UTF8'))),
    (11, 1, NULL),
    (20, 2, lo_from_bytea(0, convert_to('passport of ben@x.test', 'UTF8')));
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: app.documents
    primaryKey: [id]
    follow: { user_id: app.users.id }
    erasure: delete
`;

const ANA = { email: ['ana@x.test'] };
const EVERY_ROW = { 'app.users': 'true', 'app.documents': 'true' };
const scratch = useErasureDatabase('erase_large_objects', SCHEMA);

async function objects(): Promise<number> {
  return (await scratch.test.exec('SELECT count(*)::int AS n FROM pg_largeobject_metadata')).rows[0]
    .n as number;
}

describe('Function: eraseSubject (large objects)', () => {
  it('refuses the plan while a row to delete refers to a large object, naming the column and the way out; nothing changes', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, EVERY_ROW);

    // Act
    const dry = await erasePg(scratch.db, MAP, ANA, { dryRun: true });
    const change = await erasePg(scratch.db, MAP, ANA);

    // Assess: before, "erased", with Ana's passport left in pg_largeobject.
    for (const r of [dry, change])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'app.documents',
            column: 'scan',
            code: 'LARGE_OBJECT_LEFT',
            message: expect.stringContaining("scan refers to large objects (oid) in 1 of the subject's rows"),
          },
        ],
      });
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
    expect(await objects()).toBe(2);
  });

  it('erases once the objects are removed and the column cleared, leaving Ben and his passport', async () => {
    // Prepare
    await scratch.test.exec(
      'SELECT lo_unlink(scan) FROM app.documents WHERE user_id = 1 AND scan IS NOT NULL',
    );
    await scratch.test.exec('UPDATE app.documents SET scan = NULL WHERE user_id = 1');
    const others = { 'app.users': 'id = 2', 'app.documents': 'user_id = 2' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, MAP, ANA);

    // Assess
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(await objects()).toBe(1);
  });
});
