import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** A mapped customer table, and a legacy schema the data map does not name that copied an email into free text. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS legacy CASCADE;
  CREATE SCHEMA shop; CREATE SCHEMA legacy;
  CREATE TABLE shop.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE legacy.notes (id int PRIMARY KEY, body text, meta jsonb, amount int);
  CREATE TABLE legacy.clean (id int PRIMARY KEY, body varchar(40));
  INSERT INTO shop.customer VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO legacy.notes VALUES (1, 'call Ben', '{"who": "ben@x.test"}', 5), (2, 'wrote from ANA@x.test today', '{}', 7);
  INSERT INTO legacy.clean VALUES (1, 'nothing here');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: shop.customer
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
`;

const scratch = useErasureDatabase('erase_scan', SCHEMA);
const bounds = { proofScanText: { maxRowsPerTable: 1000, statementTimeoutMs: 5000 } };

describe('Function: eraseSubject (the opt-in scan of text columns outside the data map)', () => {
  it('ends erasure_unverified naming the table and column that still hold the identifier, never the value', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, { 'shop.customer': 'id <> 1', 'legacy.notes': 'true' });

    // Act
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] }, { extra: bounds });

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({
      outcome: 'erasure_unverified',
      remaining: [
        { system: 'postgres', table: 'legacy.notes', column: 'body', rows: 1, reason: 'found_beyond_map' },
      ],
    });
    expect(JSON.stringify(result.verification).toLowerCase()).not.toContain('ana@x.test');
    expect(
      await snapshotOthers(scratch.test, { 'shop.customer': 'id <> 1', 'legacy.notes': 'true' }),
    ).toEqual(before);
  });

  it('is off unless asked for, and finds nothing once the copy is gone', async () => {
    // Prepare
    await scratch.test.exec(`UPDATE legacy.notes SET body = 'wrote today' WHERE id = 2`);

    // Act
    const scanned = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] }, { extra: bounds });
    await scratch.test.exec(`INSERT INTO shop.customer VALUES (1, 'ana@x.test')`);
    await scratch.test.exec(`UPDATE legacy.notes SET body = 'ana@x.test' WHERE id = 2`);
    const unscanned = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    // Assess: the scan found nothing; without it the copy in the unmapped table is not looked for.
    for (const r of [scanned, unscanned]) {
      expect(r.outcome).toBe('executed');
      if (r.outcome !== 'executed') return;
      expect(r.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    }
  });
});
