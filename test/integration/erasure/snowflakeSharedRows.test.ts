import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { needsApproval } from '../../../shared/audit/approval';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { buildErasureReceipt } from '../../../shared/erasure/buildErasureReceipt';
import { erasurePlanSchema } from '../../../shared/erasure/ErasureCase';
import { type ErasurePlan, planHashOf } from '../../../shared/erasure/ErasurePlan';
import { snowflakeErasurePart } from '../../../shared/erasure/executeSnowflakeErasure';
import { formatErasurePlan } from '../../../shared/erasure/formatErasurePlan';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { renderErasureReceipt } from '../../../shared/report/renderErasureReceipt';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import {
  countValues,
  deterministicBytes,
  erasePg,
  snapshotOthers,
  useErasureDatabase,
} from '../../support/erasureFixture';
import { openTestSnowflakeDatabase, startTestSnowflake } from '../../support/snowflake';

/**
 * Ana writes to and receives messages from Ben in a Snowflake table, and writes a note to herself;
 * Ben writes to Cy. Each person also has a PostgreSQL customer row.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.customer (id int PRIMARY KEY, email text NOT NULL UNIQUE, name text);
  INSERT INTO app.customer VALUES (1, 'ana@x.test', 'Ana'), (2, 'ben@x.test', 'Ben'), (3, 'cy@x.test', 'Cy');
`;
const MESSAGES = 'ANALYTICS.PUBLIC.MESSAGES';
const ROWS = `INSERT INTO ${MESSAGES} VALUES
  (1000, 'ana@x.test', 'Ana', 'ben@x.test', 'Ben', 'dinner at 8?'),
  (1001, 'Ben@X.test', 'Ben', 'ana@x.test', 'Ana', 'yes, see you'),
  (1002, 'ana@x.test', 'Ana', NULL, NULL, 'note to self'),
  (1003, 'ben@x.test', 'Ben', 'cy@x.test', 'Cy', 'hello Cy')`;
const table = (senderName = 'VARCHAR(100)') =>
  `CREATE OR REPLACE TABLE ${MESSAGES} (MESSAGE_ID NUMBER(38,0), SENDER_EMAIL VARCHAR(200), SENDER_NAME ${senderName},
    RECIPIENT_EMAIL VARCHAR(200), RECIPIENT_NAME VARCHAR(100), BODY VARCHAR)`;

const MASK =
  '{ SENDER_EMAIL: hash, SENDER_NAME: null, RECIPIENT_EMAIL: hash, RECIPIENT_NAME: null, BODY: { redact: "[erased]" } }';
const PARTIES = '{ sender: [SENDER_EMAIL, SENDER_NAME], recipient: [RECIPIENT_EMAIL, RECIPIENT_NAME] }';
const MASK_OWN = `{ action: mask, columns: ${MASK}, shared: mask-own, parties: ${PARTIES} }`;

const map = (message = 'delete') => `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.customer
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
snowflake:
  - table: ${MESSAGES}
    primaryKey: [MESSAGE_ID]
    identities: { email: [SENDER_EMAIL, RECIPIENT_EMAIL] }
    erasure: ${message}
`;
const ANA = { email: ['ana@x.test'] };
const MASK_KEY = 'test-mask-key';

const scratch = useErasureDatabase('erase_sf_shared', SCHEMA);
let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;

beforeAll(async () => {
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  sfDb = openTestSnowflakeDatabase(sf);
});
afterAll(async () => {
  await sfDb?.close();
  await sf?.stop();
});
beforeEach(async () => {
  await sf.sql(table());
  await sf.sql(ROWS);
});

/** `eraseSubject` over both systems, the Snowflake part through the real driver. */
async function erase(
  yaml: string,
  identifiers: Record<string, string[]> = ANA,
  options: { dryRun?: boolean } = {},
) {
  const dataMap = parseDataMap(yaml, 'test.yaml');
  return erasePg(scratch.db, yaml, identifiers, {
    ...options,
    extra: {
      searchers: {
        postgres: await PostgresTableSearcher.create(scratch.db, dataMap, 'test.yaml'),
        snowflake: await SnowflakeTableSearcher.create(sfDb, dataMap, 'test.yaml'),
      },
      snowflakeDb: sfDb,
      snowflake: snowflakeErasurePart({
        db: sfDb,
        dataMap,
        maskKey: MASK_KEY,
        randomBytes: deterministicBytes,
      }),
    },
  });
}

/** Messages (every column, as Snowflake returns them) whose id is in `ids`, in key order. */
async function messages(ids: readonly number[]): Promise<string> {
  const rows = await sf.sql(`SELECT * FROM ${MESSAGES} ORDER BY MESSAGE_ID`);
  return JSON.stringify(rows.filter((r) => ids.includes(Number(r.MESSAGE_ID))));
}

/** Everything that is not Ana's alone, in both systems: it must not change by a byte. */
async function others(sharedIds: readonly number[] = [1000, 1001]): Promise<string> {
  return JSON.stringify([
    await snapshotOthers(scratch.test, { 'app.customer': 'id <> 1' }),
    await messages([...sharedIds, 1003]),
  ]);
}

/** Snowflake rows (outside `except`) in which any column holds Ana's identifier or name. */
async function anaFindable(except: readonly number[] = []): Promise<number[]> {
  const rows = await sf.sql(`SELECT * FROM ${MESSAGES} ORDER BY MESSAGE_ID`);
  return rows
    .filter((r) => !except.includes(Number(r.MESSAGE_ID)))
    .filter((r) =>
      Object.values(r).some(
        (v) => typeof v === 'string' && (v.toLowerCase().includes('ana@x.test') || v === 'Ana'),
      ),
    )
    .map((r) => Number(r.MESSAGE_ID));
}

describe('Function: eraseSubject (rows of a Snowflake table shared with other people)', () => {
  it("retains two-person messages by default, reports them in the plan and the receipt, and erases the subject's own", async () => {
    // Prepare
    const before = await others();

    // Act
    const dry = await erase(map(), ANA, { dryRun: true });
    const result = await erase(map());

    // Assess: the dry run says what is retained and why, in counts, never values.
    expect(dry.outcome).toBe('planned');
    if (dry.outcome !== 'planned') return;
    const text = formatErasurePlan(dry.plan);
    expect(text).toContain(
      `snowflake ${MESSAGES}: delete 1 row(s); 2 row(s) retained: shared with 1 other person (their identifier in the row)`,
    );
    for (const value of ['ana@x.test', 'ben@x.test', 'Ben']) expect(text).not.toContain(value);

    // The change: the note to herself is gone; Ben's and Cy's messages byte for byte as they were.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(await others()).toBe(before);
    expect(await messages([1002])).toBe('[]');
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await anaFindable([1000, 1001])).toEqual([]);
    expect(Object.values(await countValues(scratch.test, ['app.customer'], ['ana@x.test']))).toEqual([0]);

    // The receipt and the confirmation count the shared rows as retained.
    const receipt = buildErasureReceipt({
      plan: result.plan,
      steps: result.steps,
      verification: result.verification,
      retention: {},
      completedAt: '2026-12-07T00:00:00Z',
    });
    expect(receipt.tables.find((t) => t.table === MESSAGES)).toMatchObject({
      system: 'snowflake',
      deleted: 1,
      retained: 2,
      shared: { setting: 'retain', retained: 2, changed: 0, otherPersons: 1 },
    });
    const confirmation = renderErasureReceipt(receipt);
    expect(confirmation).toContain('Rows shared with other people (counts only):');
    expect(confirmation).not.toContain('ben@x.test');
  });

  it('deletes shared messages under shared: erase, waiting for approval, and leaves every message it did not find', async () => {
    // Prepare
    const before = await others([]);

    // Act
    const result = await erase(map('{ action: delete, shared: erase }'));

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.plan.tables.find((t) => t.table === MESSAGES)).toMatchObject({
      approvalRequired: true,
      shared: { setting: 'erase', changed: 2, retained: [] },
    });
    expect(needsApproval(result.plan, { maxRowsWithoutApproval: 1000 })).toEqual({
      required: true,
      reasons: [{ code: 'TABLE_REQUIRES_APPROVAL', system: 'snowflake', table: MESSAGES }],
    });
    expect(formatErasurePlan(result.plan)).toContain('2 shared row(s) erased anyway (shared: erase)');
    expect((await sf.sql(`SELECT MESSAGE_ID FROM ${MESSAGES}`)).map((r) => r.MESSAGE_ID)).toEqual(['1003']);
    expect(await others([])).toBe(before);
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await anaFindable()).toEqual([]);
  });

  it("masks only the subject's party in a two-person message (shared: mask-own), one step per party, the other party's columns and the text untouched", async () => {
    // Prepare: Ben's side of the two messages with Ana, and Ben's message to Cy.
    const otherParty = async () =>
      (
        await sf.sql(`SELECT MESSAGE_ID, SENDER_EMAIL, SENDER_NAME, RECIPIENT_EMAIL, RECIPIENT_NAME, BODY
        FROM ${MESSAGES} ORDER BY MESSAGE_ID`)
      ).map((r) =>
        r.MESSAGE_ID === '1000'
          ? [r.MESSAGE_ID, r.RECIPIENT_EMAIL, r.RECIPIENT_NAME, r.BODY]
          : r.MESSAGE_ID === '1001'
            ? [r.MESSAGE_ID, r.SENDER_EMAIL, r.SENDER_NAME, r.BODY]
            : r.MESSAGE_ID === '1003'
              ? r
              : [r.MESSAGE_ID],
      );
    const before = await otherParty();
    const customers = await snapshotOthers(scratch.test, { 'app.customer': 'id <> 1' });

    // Act
    const result = await erase(map(MASK_OWN));

    // Assess: the sender's columns where Ana sent, the recipient's where she received, the note to
    // herself masked whole.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    const planned = result.plan.tables.filter((t) => t.table === MESSAGES);
    expect(
      planned.map((t) => [
        t.party ?? null,
        t.rows.map((r) => Number(r.key.MESSAGE_ID)),
        t.mask?.map((m) => m.column),
      ]),
    ).toEqual([
      [null, [1002], ['BODY', 'RECIPIENT_EMAIL', 'RECIPIENT_NAME', 'SENDER_EMAIL', 'SENDER_NAME']],
      ['recipient', [1001], ['RECIPIENT_EMAIL', 'RECIPIENT_NAME']],
      ['sender', [1000], ['SENDER_EMAIL', 'SENDER_NAME']],
    ]);
    expect(planned[0]?.shared).toMatchObject({
      setting: 'mask-own',
      retained: [],
      changed: 2,
      otherPersons: 1,
    });
    const parsed = erasurePlanSchema.parse(JSON.parse(JSON.stringify(result.plan))) as unknown as ErasurePlan;
    expect(planHashOf(parsed)).toBe(result.plan.planHash);
    expect(await otherParty()).toEqual(before);
    expect(await snapshotOthers(scratch.test, { 'app.customer': 'id <> 1' })).toEqual(customers);
    const rows = await sf.sql(
      `SELECT * FROM ${MESSAGES} WHERE MESSAGE_ID IN (1000, 1001, 1002) ORDER BY MESSAGE_ID`,
    );
    expect(rows[0]).toMatchObject({
      SENDER_EMAIL: expect.stringMatching(/^[0-9a-f]{64}$/),
      SENDER_NAME: null,
    });
    expect(rows[1]).toMatchObject({
      RECIPIENT_EMAIL: expect.stringMatching(/^[0-9a-f]{64}$/),
      RECIPIENT_NAME: null,
    });
    expect(rows[2]).toMatchObject({ RECIPIENT_EMAIL: null, SENDER_NAME: null, BODY: '[erased]' });
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await anaFindable()).toEqual([]);
    // One Snowflake step per plan entry, each with its party, and the receipt tells them apart.
    expect(
      result.steps.filter((s) => s.table === MESSAGES).map((s) => [s.party ?? null, s.planned, s.changed]),
    ).toEqual([
      [null, 1, 1],
      ['recipient', 1, 1],
      ['sender', 1, 1],
    ]);
    const receipt = buildErasureReceipt({
      plan: result.plan,
      steps: result.steps,
      verification: result.verification,
      retention: {},
      completedAt: '2026-12-07T00:00:00Z',
    });
    expect(
      receipt.tables.filter((t) => t.table === MESSAGES).map((t) => [t.party ?? null, t.masked]),
    ).toEqual([
      [null, 1],
      ['recipient', 1],
      ['sender', 1],
    ]);
  });

  it("retains a Snowflake address another person's Snowflake row follows onto its key, and deletes the subject's own", async () => {
    // Prepare: Ana and Ben live at address 1, Ana alone at address 2 (a second home), Cy at 3.
    await sf.sql(
      `CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.PEOPLE (PERSON_ID NUMBER(38,0), EMAIL VARCHAR, ADDRESS_ID NUMBER(38,0))`,
    );
    await sf.sql(
      `CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.ADDRESSES (ADDRESS_ID NUMBER(38,0), STREET VARCHAR)`,
    );
    await sf.sql(
      `INSERT INTO ANALYTICS.PUBLIC.PEOPLE VALUES (1, 'ana@x.test', 1), (4, 'ana@x.test', 2), (2, 'ben@x.test', 1), (3, 'cy@x.test', 3)`,
    );
    await sf.sql(
      `INSERT INTO ANALYTICS.PUBLIC.ADDRESSES VALUES (1, '1 Shared Road'), (2, '2 Own Lane'), (3, '3 Far Away')`,
    );
    const yaml = `${map()}  - table: ANALYTICS.PUBLIC.PEOPLE
    primaryKey: [PERSON_ID]
    identities: { email: EMAIL }
    erasure: delete
  - table: ANALYTICS.PUBLIC.ADDRESSES
    primaryKey: [ADDRESS_ID]
    follow: { ADDRESS_ID: ANALYTICS.PUBLIC.PEOPLE.ADDRESS_ID }
    erasure: delete
`;
    const snapshot = async () =>
      JSON.stringify([
        await sf.sql('SELECT * FROM ANALYTICS.PUBLIC.PEOPLE WHERE PERSON_ID IN (2, 3) ORDER BY PERSON_ID'),
        await sf.sql(
          'SELECT * FROM ANALYTICS.PUBLIC.ADDRESSES WHERE ADDRESS_ID IN (1, 3) ORDER BY ADDRESS_ID',
        ),
        await others(),
      ]);
    const before = await snapshot();

    // Act
    const result = await erase(yaml);

    // Assess: address 1 is Ben's too and stays, reported; address 2 and Ana's rows are gone.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(formatErasurePlan(result.plan)).toContain(
      "snowflake ANALYTICS.PUBLIC.ADDRESSES: delete 1 row(s); 1 row(s) retained: shared reached from 1 row(s) of ANALYTICS.PUBLIC.PEOPLE outside the subject's data",
    );
    expect(await snapshot()).toBe(before);
    expect(
      (await sf.sql('SELECT ADDRESS_ID FROM ANALYTICS.PUBLIC.ADDRESSES ORDER BY 1')).map((r) => r.ADDRESS_ID),
    ).toEqual(['1', '3']);
    expect(
      (await sf.sql('SELECT PERSON_ID FROM ANALYTICS.PUBLIC.PEOPLE ORDER BY 1')).map((r) => r.PERSON_ID),
    ).toEqual(['2', '3']);
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
  });

  it("refuses a party's mask that Snowflake's catalog cannot take before anything runs in either system", async () => {
    // Prepare: every message of Ben's is shared, so only the per-party entries have rows; the
    // sender's name holds 5 characters, too few for the redaction.
    await sf.sql(table('VARCHAR(5)'));
    await sf.sql(ROWS);
    const rule = MASK_OWN.replace('SENDER_NAME: null', 'SENDER_NAME: { redact: "[erased]" }');
    const before = JSON.stringify([
      await snapshotOthers(scratch.test, { 'app.customer': 'true' }),
      await messages([1000, 1001, 1002, 1003]),
    ]);

    // Act: Ana's plan masks the column in her own note and in her sender's entry; Ben's only in
    // his sender's entry (no row of his is his alone).
    const dry = await erase(map(rule), ANA, { dryRun: true });
    const real = await erase(map(rule), { email: ['ben@x.test'] });

    // Assess: named once, with no value; nothing changed anywhere.
    if (dry.outcome === 'refused')
      expect(
        dry.plan.tables.filter((t) => t.table === MESSAGES).map((t) => [t.party ?? null, t.rows.length]),
      ).toEqual([
        [null, 1],
        ['recipient', 1],
        ['sender', 1],
      ]);
    for (const result of [dry, real]) {
      expect(result).toMatchObject({
        outcome: 'refused',
        problems: [
          {
            system: 'snowflake',
            table: MESSAGES,
            column: 'SENDER_NAME',
            code: 'MASK_REFUSED',
            message: expect.stringMatching(/holds at most 5 characters/),
          },
        ],
      });
      if (result === real && result.outcome === 'refused')
        expect(
          result.plan.tables.filter((t) => t.table === MESSAGES).map((t) => [t.party ?? null, t.rows.length]),
        ).toEqual([
          [null, 0],
          ['recipient', 1],
          ['sender', 2],
        ]);
      expect(JSON.stringify(result)).not.toMatch(/ben@x\.test|ana@x\.test/i);
    }
    expect(
      JSON.stringify([
        await snapshotOthers(scratch.test, { 'app.customer': 'true' }),
        await messages([1000, 1001, 1002, 1003]),
      ]),
    ).toBe(before);
  });
});
