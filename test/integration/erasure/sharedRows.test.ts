import { describe, expect, it } from 'vitest';
import { needsApproval } from '../../../shared/audit/approval';
import { buildErasureReceipt } from '../../../shared/erasure/buildErasureReceipt';
import { erasurePlanSchema } from '../../../shared/erasure/ErasureCase';
import { type ErasurePlan, planHashOf } from '../../../shared/erasure/ErasurePlan';
import { formatErasurePlan } from '../../../shared/erasure/formatErasurePlan';
import { renderErasureReceipt } from '../../../shared/report/renderErasureReceipt';
import { countValues, erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Ana shares a household address with Ben, holds a joint account with him (its payments are both
 * people's), and writes to and receives messages from him. Cy is a third person at another address.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.address (id int PRIMARY KEY, street text NOT NULL);
  CREATE TABLE app.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text, address_id int REFERENCES app.address);
  CREATE TABLE app.account (id int PRIMARY KEY, iban text NOT NULL);
  CREATE TABLE app.holder (customer_id int REFERENCES app.customer, account_id int REFERENCES app.account,
    PRIMARY KEY (customer_id, account_id));
  CREATE TABLE app.payment (id int PRIMARY KEY, account_id int NOT NULL REFERENCES app.account, amount int);
  CREATE TABLE app.message (id int PRIMARY KEY, sender_email text, sender_name text,
    recipient_email text, recipient_name text, body text);
  INSERT INTO app.address VALUES (1, '1 Shared Road'), (2, '2 Own Lane');
  INSERT INTO app.customer VALUES (1, 'ana@x.test', 'Ana', 1), (2, 'ben@x.test', 'Ben', 1), (3, 'cy@x.test', 'Cy', 2);
  INSERT INTO app.account VALUES (10, 'GB00JOINT'), (11, 'GB00ANA');
  INSERT INTO app.holder VALUES (1, 10), (2, 10), (1, 11);
  INSERT INTO app.payment VALUES (100, 10, 5), (101, 11, 7), (102, 10, 9);
  INSERT INTO app.message VALUES
    (1000, 'ana@x.test', 'Ana', 'ben@x.test', 'Ben', 'dinner at 8?'),
    (1001, 'Ben@X.test', 'Ben', 'ana@x.test', 'Ana', 'yes, see you'),
    (1002, 'ana@x.test', 'Ana', NULL, NULL, 'note to self'),
    (1003, 'ben@x.test', 'Ben', 'cy@x.test', 'Cy', 'hello Cy');
`;

const MESSAGE_MASK =
  '{ sender_email: hash, sender_name: null, recipient_email: hash, recipient_name: null, body: { redact: "[erased]" } }';
const PARTIES = '{ sender: [sender_email, sender_name], recipient: [recipient_email, recipient_name] }';

function map(rules: { address?: string; message?: string } = {}): string {
  return `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
postgres:
  - table: app.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
    erasure: delete
  - table: app.address
    primaryKey: [id]
    follow: { id: app.customer.address_id }
    erasure: ${rules.address ?? 'delete'}
  - table: app.holder
    primaryKey: [customer_id, account_id]
    follow: { customer_id: app.customer.id }
    erasure: delete
  - table: app.account
    primaryKey: [id]
    follow: { id: app.holder.account_id }
    erasure: delete
  - table: app.payment
    primaryKey: [id]
    follow: { account_id: app.account.id }
    erasure: delete
  - table: app.message
    primaryKey: [id]
    identities: { email: [sender_email, recipient_email] }
    erasure: ${rules.message ?? 'delete'}
`;
}

/** Everything that is not Ana's alone: it must not change by a byte. */
const OTHERS = {
  'app.customer': 'id <> 1',
  'app.address': 'true',
  'app.holder': 'customer_id <> 1',
  'app.account': 'id = 10',
  'app.payment': 'account_id = 10',
  'app.message': 'id = 1003',
};
const ANA = { email: ['ana@x.test'] };
const TABLES = ['app.customer', 'app.address', 'app.holder', 'app.account', 'app.payment', 'app.message'];

const scratch = useErasureDatabase('erase_shared', SCHEMA);

describe('Function: eraseSubject (rows shared with other people)', () => {
  it('retains a shared address, a joint account with its payments and two-person messages, reports them, and erases the rest', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, { ...OTHERS, 'app.message': 'id <> 1002' });

    // Act
    const dry = await erasePg(scratch.db, map(), ANA, { dryRun: true });
    const result = await erasePg(scratch.db, map(), ANA);

    // Assess: the dry run says what is retained and why, in counts, never values.
    expect(dry.outcome).toBe('planned');
    if (dry.outcome !== 'planned') return;
    const text = formatErasurePlan(dry.plan);
    expect(text).toContain(
      "app.address: delete 0 row(s); 1 row(s) retained: shared reached from 1 row(s) of app.customer outside the subject's data",
    );
    expect(text).toContain(
      "app.account: delete 1 row(s); 1 row(s) retained: shared reached from 1 row(s) of app.holder outside the subject's data",
    );
    expect(text).toContain(
      'app.payment: delete 1 row(s); 2 row(s) retained: shared 2 reached only through shared rows',
    );
    expect(text).toContain(
      'app.message: delete 1 row(s); 2 row(s) retained: shared with 1 other person (their identifier in the row)',
    );
    for (const value of ['ana@x.test', 'ben@x.test', 'Shared Road', 'GB00JOINT'])
      expect(text).not.toContain(value);

    // The change: Ana's own rows are gone, every other person's row is byte for byte as it was.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(await snapshotOthers(scratch.test, { ...OTHERS, 'app.message': 'id <> 1002' })).toEqual(before);
    const left = await scratch.test.exec(`SELECT
      (SELECT count(*) FROM app.customer WHERE id = 1)::int AS customer,
      (SELECT count(*) FROM app.holder WHERE customer_id = 1)::int AS holder,
      (SELECT count(*) FROM app.account WHERE id = 11)::int AS account,
      (SELECT count(*) FROM app.payment WHERE id = 101)::int AS payment,
      (SELECT count(*) FROM app.message WHERE id = 1002)::int AS message`);
    expect(left.rows[0]).toEqual({ customer: 0, holder: 0, account: 0, payment: 0, message: 0 });
    // Erased: nothing of Ana is findable outside the rows reported as shared.
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    const outsideShared = TABLES.map((t) =>
      t === 'app.message' ? '(SELECT * FROM app.message WHERE id NOT IN (1000, 1001))' : t,
    );
    expect(Object.values(await countValues(scratch.test, outsideShared, ['ana@x.test']))).toEqual(
      TABLES.map(() => 0),
    );

    // The receipt and the confirmation count the shared rows as retained.
    const receipt = buildErasureReceipt({
      plan: result.plan,
      steps: result.steps,
      verification: result.verification,
      retention: {},
      completedAt: '2026-12-07T00:00:00Z',
    });
    expect(receipt.tables.find((t) => t.table === 'app.message')).toMatchObject({
      deleted: 1,
      retained: 2,
      shared: { setting: 'retain', retained: 2, changed: 0, otherPersons: 1 },
    });
    expect(receipt.tables.find((t) => t.table === 'app.address')).toMatchObject({
      deleted: 0,
      retained: 1,
      shared: { referencedBy: { 'app.customer': 1 } },
    });
    const confirmation = renderErasureReceipt(receipt);
    expect(confirmation).toContain('Rows shared with other people (counts only):');
    expect(confirmation).not.toContain('ben@x.test');
  });

  it("masks only the subject's party in a two-person message (shared: mask-own), leaving the other party's columns and the text as they were", async () => {
    // Prepare
    const rule = `{ action: mask, columns: ${MESSAGE_MASK}, shared: mask-own, parties: ${PARTIES} }`;
    const before = await snapshotOthers(scratch.test, OTHERS);
    const otherParty = async () =>
      (
        await scratch.test.exec(`SELECT id, recipient_email, recipient_name, body FROM app.message WHERE id = 1000
          UNION ALL SELECT id, sender_email, sender_name, body FROM app.message WHERE id = 1001 ORDER BY 1`)
      ).rows;
    const beforeParty = await otherParty();

    // Act
    const result = await erasePg(scratch.db, map({ message: rule }), ANA);

    // Assess: the sender's columns where Ana sent, the recipient's where she received; Ben's side
    // and the text unchanged; the note to herself masked whole.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    const messages = result.plan.tables.filter((t) => t.table === 'app.message');
    expect(
      messages.map((t) => [t.party ?? null, t.rows.map((r) => r.key.id), t.mask?.map((m) => m.column)]),
    ).toEqual([
      [null, [1002], ['body', 'recipient_email', 'recipient_name', 'sender_email', 'sender_name']],
      ['recipient', [1001], ['recipient_email', 'recipient_name']],
      ['sender', [1000], ['sender_email', 'sender_name']],
    ]);
    expect(messages[0]?.shared).toMatchObject({
      setting: 'mask-own',
      retained: [],
      changed: 2,
      otherPersons: 1,
    });
    // The plan crosses the bucket and the state file intact: parsed back, its hash still holds.
    const parsed = erasurePlanSchema.parse(JSON.parse(JSON.stringify(result.plan))) as unknown as ErasurePlan;
    expect(planHashOf(parsed)).toBe(result.plan.planHash);
    expect(await otherParty()).toEqual(beforeParty);
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    const rows = (
      await scratch.test.exec(
        'SELECT id, sender_email, sender_name, recipient_email, recipient_name, body FROM app.message WHERE id IN (1000, 1001, 1002) ORDER BY id',
      )
    ).rows;
    expect(rows[0]).toMatchObject({
      sender_email: expect.stringMatching(/^[0-9a-f]{64}$/),
      sender_name: null,
    });
    expect(rows[1]).toMatchObject({
      recipient_email: expect.stringMatching(/^[0-9a-f]{64}$/),
      recipient_name: null,
    });
    expect(rows[2]).toMatchObject({ recipient_email: null, sender_name: null, body: '[erased]' });
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(Object.values(await countValues(scratch.test, ['app.message'], ['ana@x.test']))).toEqual([0]);
    // One step per party, and the receipt tells them apart.
    expect(
      result.steps.filter((s) => s.table === 'app.message').map((s) => [s.party ?? null, s.changed]),
    ).toEqual([
      [null, 1],
      ['recipient', 1],
      ['sender', 1],
    ]);
    const receipt = buildErasureReceipt({
      plan: result.plan,
      steps: result.steps,
      verification: result.verification,
      retention: {},
      completedAt: '2026-12-07T00:00:00Z',
    });
    expect(receipt.tables.filter((t) => t.table === 'app.message').map((t) => t.masked)).toEqual([1, 1, 1]);
  });

  it('acts on shared rows only as shared: erase says, waits for approval, and never changes a row it did not find', async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, { ...OTHERS, 'app.message': 'id = 1003' });

    // Act: an address other people live at cannot be deleted even when the map says erase.
    const address = await erasePg(scratch.db, map({ address: '{ action: delete, shared: erase }' }), ANA);
    const message = await erasePg(scratch.db, map({ message: '{ action: delete, shared: erase }' }), ANA);

    // Assess
    expect(address).toMatchObject({
      outcome: 'refused',
      problems: [expect.objectContaining({ table: 'app.customer', code: 'REFERENCED_BY_UNDISCOVERED' })],
    });
    expect(message.outcome).toBe('executed');
    if (message.outcome !== 'executed') return;
    const planned = message.plan.tables.find((t) => t.table === 'app.message');
    expect(planned).toMatchObject({
      approvalRequired: true,
      shared: { setting: 'erase', changed: 2, retained: [] },
    });
    expect(needsApproval(message.plan, { maxRowsWithoutApproval: 1000 })).toEqual({
      required: true,
      reasons: [{ code: 'TABLE_REQUIRES_APPROVAL', system: 'postgres', table: 'app.message' }],
    });
    expect(formatErasurePlan(message.plan)).toContain('2 shared row(s) erased anyway (shared: erase)');
    expect((await scratch.test.exec('SELECT id FROM app.message ORDER BY id')).rows.map((r) => r.id)).toEqual(
      [1003],
    );
    expect(await snapshotOthers(scratch.test, { ...OTHERS, 'app.message': 'id = 1003' })).toEqual(before);
    expect(message.verification).toMatchObject({ outcome: 'erased', remaining: [] });
  });
});

describe('Function: eraseSubject (a list of addresses in one column)', () => {
  it("retains a row whose array of addresses also holds another person's, and erases the subject's own", async () => {
    // Prepare: one identity column holding a list, the second row shared by Ana and Ben.
    await scratch.test.exec(`
      CREATE TABLE app.contact (id int PRIMARY KEY, emails text[], note text);
      INSERT INTO app.contact VALUES (1, ARRAY['ana@x.test'], 'ana alone'),
        (2, ARRAY['ben@x.test', 'Ana@x.test'], 'ana and ben'), (3, ARRAY['ben@x.test'], 'ben alone');`);
    const listMap = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.contact
    primaryKey: [id]
    identities: { email: emails }
    erasure: delete
`;
    const others = { 'app.contact': 'id <> 1' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const result = await erasePg(scratch.db, listMap, { email: ['ana@x.test'] }, { writeDb: scratch.db });

    // Assess
    expect(result).toMatchObject({
      outcome: 'executed',
      plan: {
        tables: [
          {
            table: 'app.contact',
            action: 'delete',
            rows: [{ key: { id: 1 } }],
            shared: { setting: 'retain', retained: [{ key: { id: 2 } }], changed: 0, otherPersons: 1 },
          },
        ],
      },
      verification: { outcome: 'erased' },
    });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
    expect(before['app.contact']).toHaveLength(2);
  });
});

describe('Function: eraseSubject (each party unlinked from a deleted person, shared: mask-own)', () => {
  it("erases a person whose notes two foreign keys reference, masking each note's own party: no reference is left to refuse", async () => {
    // Prepare: both references SET NULL on delete; each party's id is masked in its own entry.
    await scratch.test.exec(`
      CREATE TABLE app.member (id int PRIMARY KEY, email text NOT NULL UNIQUE);
      CREATE TABLE app.note (id int PRIMARY KEY,
        sender_id int REFERENCES app.member ON DELETE SET NULL,
        recipient_id int REFERENCES app.member ON DELETE SET NULL, body text);
      INSERT INTO app.member VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
      INSERT INTO app.note VALUES (10, 1, 2, 'ana to ben'), (11, 2, 1, 'ben to ana');`);
    const partiesMap = `version: 1
identities:
  email: { normalize: lowercase }
  member_id: {}
postgres:
  - table: app.member
    primaryKey: [id]
    identities: { email: email, member_id: id }
    learn: [member_id]
    erasure: delete
  - table: app.note
    primaryKey: [id]
    identities: { member_id: [sender_id, recipient_id] }
    erasure:
      action: mask
      columns: { sender_id: null, recipient_id: null }
      parties: { sender: [sender_id], recipient: [recipient_id] }
      shared: mask-own
`;

    // Act
    const result = await erasePg(scratch.db, partiesMap, { email: ['ana@x.test'] }, { writeDb: scratch.db });

    // Assess: erased; each note keeps Ben's id and text, and loses Ana's.
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    expect(
      (await scratch.test.exec('SELECT id, sender_id, recipient_id, body FROM app.note ORDER BY id')).rows,
    ).toEqual([
      { id: 10, sender_id: null, recipient_id: 2, body: 'ana to ben' },
      { id: 11, sender_id: 2, recipient_id: null, body: 'ben to ana' },
    ]);
    expect((await scratch.test.exec('SELECT id, email FROM app.member')).rows).toEqual([
      { id: 2, email: 'ben@x.test' },
    ]);
  });
});
