import { describe, expect, it } from 'vitest';
import { discoverWith } from '../../support/discovery';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Employees and their managers in one table, followed from itself (`manager_id`): Mid manages Low,
 * whose e-mail is NULL, and Temp, whose e-mail is empty. No foreign key.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.employees (id int PRIMARY KEY, email text, full_name text, manager_id int);
  INSERT INTO app.employees VALUES (1, 'boss@corp.test', 'Boss', NULL), (2, 'mid@corp.test', 'Mid', 1),
    (3, NULL, 'Low', 2), (4, '  ', 'Peer', 1), (5, '', 'Temp', 2), (6, 'ivy@corp.test', 'Ivy', 2);
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.employees
    primaryKey: [id]
    identities: { email: email }
    learn: [email]
    follow: { manager_id: app.employees.id }
    erasure: delete
`;

const MID = { email: ['mid@corp.test'] };
const scratch = useErasureDatabase('erase_own_table_follows', SCHEMA);

describe('A table of people followed from itself (manager_id)', () => {
  it('answers Mid with her own record, and none of the people she manages, also those without an e-mail', async () => {
    // Act
    const { document } = await discoverWith(scratch.db, MAP, MID);

    // Assess: before, Low (NULL) and Temp (empty) were in Mid's answer; Ivy was left out.
    expect(document.findings.map((f) => f.row.full_name)).toEqual(['Mid']);
    expect(document.notFollowed).toEqual([
      expect.objectContaining({ table: 'app.employees', column: 'id', othersOnly: true, rows: 3 }),
    ]);
  });

  it('erases her record and retains theirs, reported as shared', async () => {
    // Prepare
    const others = { 'app.employees': 'id <> 2' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, MAP, MID);

    // Assess: before, Low's record (NULL e-mail) was deleted as Mid's, with "erased".
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification.outcome).toBe('erased');
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(await snapshotOthers(scratch.test, { 'app.employees': 'id = 2' })).toEqual({
      'app.employees': [],
    });
    expect(
      result.plan.tables[0]?.shared?.retained.map((r) => r.key).sort((a, b) => Number(a.id) - Number(b.id)),
    ).toEqual([{ id: 3 }, { id: 5 }, { id: 6 }]);
  });

  it('erases her record and her reviews, and the proof does not count the reviews of the people she manages as hers', async () => {
    // Prepare
    await scratch.test.exec(`CREATE TABLE app.reviews (id int PRIMARY KEY, employee_id int, text text);
      INSERT INTO app.reviews VALUES (20, 2, 'mid review'), (30, 3, 'low review'), (60, 6, 'ivy review')`);
    const map = `${MAP}  - table: app.reviews
    primaryKey: [id]
    follow: { employee_id: app.employees.id }
    erasure: delete
`;
    const others = { 'app.employees': 'id <> 2', 'app.reviews': 'employee_id <> 2' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, map, MID);

    // Assess: before, the proof searched from the retained records' ids too, found Low's and Ivy's
    // reviews, and ended erasure_unverified on every run.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(await snapshotOthers(scratch.test, { 'app.reviews': 'employee_id = 2' })).toEqual({
      'app.reviews': [],
    });
  });
});
