import { describe, expect, it } from 'vitest';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** An AFTER DELETE trigger copies each deleted customer, as jsonb, into an audit schema. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS audit CASCADE;
  CREATE SCHEMA shop; CREATE SCHEMA audit;
  CREATE TABLE shop.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
  CREATE TABLE audit.deleted_rows (at_table text, email text, old jsonb);
  CREATE FUNCTION audit.copy_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO audit.deleted_rows VALUES (TG_TABLE_NAME, OLD.email, to_jsonb(OLD)); RETURN OLD; END $$;
  CREATE TRIGGER copy_deleted AFTER DELETE ON shop.customer FOR EACH ROW EXECUTE FUNCTION audit.copy_deleted();
  INSERT INTO shop.customer VALUES (1, 'ana@x.test', 'Ana Lund'), (2, 'ben@x.test', 'Ben Ode');
  INSERT INTO audit.deleted_rows VALUES ('customer', 'cleo@x.test', '{"id": 3, "email": "cleo@x.test"}');
`;
const CUSTOMER = `  - table: shop.customer
    primaryKey: [id]
    identities: { email: email }
`;
const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
${CUSTOMER}    erasure: delete
`;
const ACKNOWLEDGED = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
${CUSTOMER}    erasure: { action: delete, triggers: { acknowledge: [copy_deleted], writes: [audit.deleted_rows] } }
`;
const AUDIT_MAPPED = `${ACKNOWLEDGED}  - table: audit.deleted_rows
    identities: { email: email }
    erasure: delete
`;
const OTHERS = { 'shop.customer': 'id <> 1', 'audit.deleted_rows': "email <> 'ana@x.test'" };

const scratch = useErasureDatabase('erase_audit', SCHEMA, { freshPool: true });

describe('Function: eraseSubject (a trigger copying deleted rows to a table the map does not name)', () => {
  it('refuses the plan while the trigger is not acknowledged, naming it, and changes nothing', async () => {
    const all = await snapshotOthers(scratch.test, { 'shop.customer': 'true', 'audit.deleted_rows': 'true' });

    const dry = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] }, { dryRun: true });
    const result = await erasePg(scratch.db, MAP, { email: ['ana@x.test'] });

    for (const r of [dry, result])
      expect(r).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            table: 'shop.customer',
            code: 'SIDE_EFFECT_UNACKNOWLEDGED',
            message: expect.stringContaining('trigger copy_deleted fires on the planned DELETE'),
          },
        ],
      });
    expect(
      await snapshotOthers(scratch.test, { 'shop.customer': 'true', 'audit.deleted_rows': 'true' }),
    ).toEqual(all);
  });

  it('acknowledged: the proof searches the audit table, finds the copy and ends erasure_unverified naming it', async () => {
    const before = await snapshotOthers(scratch.test, OTHERS);

    const result = await erasePg(scratch.db, ACKNOWLEDGED, { email: ['ana@x.test'] });

    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erasure_unverified');
    expect(result.verification.remaining).toEqual([
      { system: 'postgres', table: 'audit.deleted_rows', rows: 1, reason: 'found_beyond_map' },
    ]);
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
  });

  it('acknowledged and mapped: a second run erases the copy, and then nothing of the subject is findable', async () => {
    const before = await snapshotOthers(scratch.test, OTHERS);

    const first = await erasePg(scratch.db, AUDIT_MAPPED, { email: ['ana@x.test'] });
    const second = await erasePg(scratch.db, AUDIT_MAPPED, { email: ['ana@x.test'] });

    expect(first).toMatchObject({ outcome: 'executed', verification: { outcome: 'erasure_unverified' } });
    expect(second).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased', remaining: [] } });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(
      await countValues(scratch.test, ['shop.customer', 'audit.deleted_rows'], ['ana@x.test', 'Ana Lund']),
    ).toEqual({
      'shop.customer': 0,
      'audit.deleted_rows': 0,
    });
  });
});
