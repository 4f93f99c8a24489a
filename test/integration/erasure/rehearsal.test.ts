import { describe, expect, it } from 'vitest';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/** Constraints only the database judges well: domains, NULLS NOT DISTINCT, a partial unique index. */
const SCHEMA = `
  DROP SCHEMA IF EXISTS crm CASCADE; CREATE SCHEMA crm;
  CREATE DOMAIN crm.short_code AS text CHECK (length(VALUE) <= 8);
  CREATE DOMAIN crm.required_text AS text NOT NULL;
  CREATE TABLE crm.person (id int PRIMARY KEY, email text NOT NULL UNIQUE, code crm.short_code,
    nick crm.required_text, badge text UNIQUE NULLS NOT DISTINCT, seat smallint UNIQUE, status text, label text);
  CREATE UNIQUE INDEX person_active_label ON crm.person (label) WHERE status = 'active';
  INSERT INTO crm.person VALUES
    (1, 'ana@x.test', 'A1', 'ana', 'gold', 7, 'active', 'Ana L'),
    (2, 'ben@x.test', 'B2', 'ben', NULL, 8, 'active', '[erased]');
`;
const map = (columns: string) => `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: crm.person
    primaryKey: [id]
    identities: { email: email }
    erasure: { action: mask, columns: { ${columns} } }
`;
const OTHERS = { 'crm.person': 'id <> 1' };

const scratch = useErasureDatabase('erase_rehearse', SCHEMA, { freshPool: true });

describe('Function: eraseSubject (the dry run rehearses the statements and rolls back)', () => {
  it.each([
    [
      'a domain CHECK',
      'email: hash, code: hash',
      'code',
      'CHECK constraint short_code_check of domain short_code',
    ],
    ['a domain NOT NULL', 'email: hash, nick: null', 'nick', 'NOT NULL'],
    ['UNIQUE NULLS NOT DISTINCT', 'email: hash, badge: null', 'badge', 'UNIQUE constraint person_badge_key'],
    [
      'a redaction under a partial unique index',
      'email: hash, label: { redact: "[erased]" }',
      'label',
      'person_active_label',
    ],
  ])(
    'refuses %s in the dry run, naming table and constraint, and changes nothing',
    async (_, columns, column, named) => {
      // Prepare
      const all = await snapshotOthers(scratch.test, { 'crm.person': 'true' });

      // Act
      const skipped = await erasePg(scratch.db, map(columns), { email: ['ana@x.test'] }, { dryRun: true });
      const dry = await erasePg(
        scratch.db,
        map(columns),
        { email: ['ana@x.test'] },
        { dryRun: true, writeDb: scratch.db },
      );
      const change = await erasePg(scratch.db, map(columns), { email: ['ana@x.test'] });

      // Assess: the checks alone pass it (and say the rehearsal was skipped); the rehearsal and the change refuse it alike.
      expect(skipped).toMatchObject({ outcome: 'planned', rehearsal: 'skipped' });
      for (const result of [dry, change]) {
        expect(result.outcome).toBe('refused');
        if (result.outcome !== 'refused') return;
        expect(result.problems).toEqual([
          expect.objectContaining({
            table: 'crm.person',
            code: 'CONSTRAINT_VIOLATED',
            message: expect.stringContaining(named),
          }),
        ]);
        if (column !== 'nick' && column !== 'code') expect(result.problems[0]?.column ?? column).toBe(column);
        expect(JSON.stringify(result.problems)).not.toMatch(/ana|Ana L|gold/);
      }
      expect(await snapshotOthers(scratch.test, { 'crm.person': 'true' })).toEqual(all);
    },
  );

  it('refuses a random value on a UNIQUE smallint before anything runs', async () => {
    const result = await erasePg(
      scratch.db,
      map('email: hash, seat: random'),
      { email: ['ana@x.test'] },
      { dryRun: true, writeDb: scratch.db },
    );
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [{ table: 'crm.person', column: 'seat', code: 'MASK_REFUSED' }],
    });
  });

  it('a clean rehearsal changes nothing, and the change then does what it printed', async () => {
    // Prepare
    const others = await snapshotOthers(scratch.test, OTHERS);
    const all = await snapshotOthers(scratch.test, { 'crm.person': 'true' });

    // Act
    const dry = await erasePg(
      scratch.db,
      map('email: hash, label: null'),
      { email: ['ana@x.test'] },
      { dryRun: true, writeDb: scratch.db },
    );
    const afterDry = await snapshotOthers(scratch.test, { 'crm.person': 'true' });
    const change = await erasePg(scratch.db, map('email: hash, label: null'), { email: ['ana@x.test'] });

    // Assess
    expect(dry).toMatchObject({ outcome: 'planned', rehearsal: 'rehearsed' });
    expect(afterDry).toEqual(all);
    expect(change.outcome).toBe('executed');
    if (change.outcome !== 'executed' || dry.outcome !== 'planned') return;
    expect(change.plan.planHash).toBe(dry.plan.planHash);
    expect(change.verification.outcome).toBe('erased');
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(others);
    const ana = (await scratch.test.exec(`SELECT email, label FROM crm.person WHERE id = 1`)).rows[0];
    expect(ana.email).toMatch(/^[0-9a-f]{64}$/);
    expect(ana.label).toBeNull();
  });
});
