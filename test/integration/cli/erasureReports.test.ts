import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { keylessFindingKey } from '../../../shared/discovery/keylessRowKeys';
import { erasureReceiptText } from '../../../shared/erasure/erasureReceiptText';
import type { RequestState } from '../../../shared/ledger/RequestState';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import { loadFindings } from '../../../shared/load/loadFindings';
import { SnowflakeErasureReceipts } from '../../../shared/load/SnowflakeErasureReceipts';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { type CliRun, localSnowflakeCliEnv, runCli, writeCliProgram } from '../../support/cliProgram';
import { sampleErasureReceipt } from '../../support/erasureReceiptFixture';
import { startTestEvidence, type TestEvidence } from '../../support/snowflake';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const SUBJECT = 'ab'.repeat(32);
const PLAN = '7e'.repeat(32);

let dir: string;
let program: string;
let evidence: TestEvidence;
let sf: LocalSnowflake;
let db: SnowflakeDatabase;

function dsr(args: string[]): Promise<CliRun> {
  return runCli(program, args, localSnowflakeCliEnv(sf, AT));
}

const T0 = Date.parse('2026-03-01T09:00:00.000Z');

/** A request's ledger: received (with its type), then each state a minute apart. */
async function ledger(
  requestId: string,
  type: 'access' | 'erasure',
  states: [RequestState, Record<string, string | number>?][],
) {
  await appendLedgerEntries(db, AT, [
    {
      requestId,
      state: 'received',
      stage: 'extract-high',
      at: new Date(T0),
      traceId: 't',
      detail: {
        subjectHash: SUBJECT,
        type,
        jurisdiction: 'GDPR',
        receivedAt: new Date(T0).toISOString(),
        deadline: '2026-04-01T09:00:00.000Z',
        deadlineComputed: true,
      },
    },
    ...states.map(([state, detail], i) => ({
      requestId,
      state,
      stage: state === 'approved' || state === 'values_erased' ? 'operator' : 'erase',
      at: new Date(T0 + (i + 1) * 60_000),
      traceId: 't',
      ...(detail ? { detail } : {}),
    })),
  ]);
}

const erasurePath: [RequestState, Record<string, string | number>?][] = [
  ['discovering'],
  ['discovered'],
  ['gated'],
  ['awaiting_approval', { planHash: PLAN, rowsToChange: 25_000, reasons: 'rows_above_limit' }],
  ['approved', { approver: 'PRIVACY_OFFICER', approverRole: 'DSR_APPROVER', planHash: PLAN }],
  ['erasing'],
];

/**
 * Evidence of an access request over shapes real estates have: a keyed customer, a ticket that
 * names a staff member too, a keyless audit log with two identical rows, and an exact number.
 */
function accessDocument(requestId: string) {
  const logRow = { action: 'login', actor: 'ana@example.com' };
  return buildFindingsDocument({
    requestId,
    subjectHash: SUBJECT,
    tables: [
      {
        system: 'postgres',
        table: 'public.customer',
        primaryKey: ['id'],
        rows: [{ key: { id: 1 }, provenance: [], row: { email: 'ana@example.com', id: 1 } }],
      },
      {
        system: 'postgres',
        table: 'public.ticket',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 7 },
            provenance: [],
            row: { handled_by: 'staff@example.com', id: 7, requester: 'ana@example.com' },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.audit_log',
        primaryKey: [],
        rows: [
          { key: keylessFindingKey(logRow, 1), provenance: [], row: logRow },
          { key: keylessFindingKey(logRow, 2), provenance: [], row: logRow },
        ],
      },
      {
        system: 'snowflake',
        table: 'ANALYTICS.PUBLIC.PAYMENTS',
        primaryKey: ['ID'],
        rows: [
          {
            key: { ID: 3 },
            provenance: [],
            row: { AMOUNT: new JsonNumber('12345678901234567890.12'), EMAIL: 'ana@example.com', ID: 3 },
          },
        ],
      },
    ],
  });
}

beforeAll(async () => {
  evidence = await startTestEvidence(AT);
  ({ sf, db } = evidence);
  dir = await mkdtemp(join(tmpdir(), 'dsr-erasure-reports-'));
  program = await writeCliProgram(dir, 'dsr-reports', { report: 'registerReport', status: 'registerStatus' });
});

afterAll(async () => {
  await evidence?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Commands: dsr report and dsr status for erasure requests', { timeout: 240_000 }, () => {
  it('writes the erasure confirmation from the stored receipt with the timeline, and the receipt verifies', async () => {
    // Prepare
    const receipt = await new SnowflakeErasureReceipts(async () => db, AT).put(
      sampleErasureReceipt('REQ-ER-1'),
    );
    await ledger('REQ-ER-1', 'erasure', [...erasurePath, ['erased', { receiptHash: receipt.receiptHash }]]);
    const out = join(dir, 'er-1');

    // Act
    const run = await dsr(['report', 'REQ-ER-1', '--out-dir', out]);

    // Assess
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`erasure erased, receipt sha256 ${receipt.receiptHash} (verifies)`);
    expect(run.stdout).toContain('ledger verification: PASS');
    expect(await readFile(join(out, 'REQ-ER-1.json'), 'utf8')).toBe(`${erasureReceiptText(receipt)}\n`);
    const md = await readFile(join(out, 'REQ-ER-1.md'), 'utf8');
    expect(md).toContain('# Erasure confirmation — request REQ-ER-1');
    expect(md).toContain(`| Receipt hash | \`${receipt.receiptHash}\` |`);
    expect(md).toContain('| Erasure plan approved | by PRIVACY_OFFICER (role DSR_APPROVER)');
    expect(md).toContain('- Terminal state: erased at');
  });

  it('writes the erasure confirmation as a package: the page, the receipt byte for byte and a manifest', async () => {
    const receipt = await new SnowflakeErasureReceipts(async () => db, AT).put(
      sampleErasureReceipt('REQ-ER-4'),
    );
    await ledger('REQ-ER-4', 'erasure', [...erasurePath, ['erased', { receiptHash: receipt.receiptHash }]]);
    const out = join(dir, 'er-4');
    const run = await dsr(['report', 'REQ-ER-4', '--out', out, '--language', 'de']);
    expect(run).toMatchObject({ code: 0 });
    expect(await readFile(join(out, 'receipt.json'), 'utf8')).toBe(`${erasureReceiptText(receipt)}\n`);
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<h1>Bestätigung der Löschung</h1>');
    expect(html).toContain(receipt.receiptHash);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ kind: 'erasure', receiptHash: receipt.receiptHash, language: 'de' });
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(['index.html', 'receipt.json']);
  });

  it('exits 1 when the stored receipt was altered, or differs from the hash the ledger recorded', async () => {
    // Prepare
    const store = new SnowflakeErasureReceipts(async () => db, AT);
    const receipt = await store.put(sampleErasureReceipt('REQ-ER-2'));
    await ledger('REQ-ER-2', 'erasure', [...erasurePath, ['erased', { receiptHash: receipt.receiptHash }]]);
    const other = await store.put(sampleErasureReceipt('REQ-ER-3'));
    await ledger('REQ-ER-3', 'erasure', [...erasurePath, ['erased', { receiptHash: 'f'.repeat(64) }]]);
    await db.execute(
      'UPDATE "EVIDENCE"."DSR"."DSR_ERASURE_RECEIPTS" SET "RECEIPT" = ? WHERE "REQUEST_ID" = ?',
      [erasureReceiptText(receipt).replace('"retained":2', '"retained":0'), 'REQ-ER-2'],
    );

    // Act
    const altered = await dsr(['report', 'REQ-ER-2', '--out-dir', join(dir, 'er-2')]);
    const unlike = await dsr(['report', 'REQ-ER-3', '--out-dir', join(dir, 'er-3')]);

    // Assess
    expect(altered.code).toBe(1);
    expect(altered.stderr).toContain('receipt verification: FAIL');
    expect(altered.stderr).toContain('(hash_mismatch)');
    expect(unlike.code).toBe(1);
    expect(unlike.stderr).toContain(
      `the stored receipt hashes to ${other.receiptHash}, the ledger recorded ${'f'.repeat(64)}`,
    );
  });

  it('a request waiting for approval has no confirmation yet; dsr status says what it waits for', async () => {
    // Prepare
    await ledger('REQ-ER-WAIT', 'erasure', erasurePath.slice(0, 4));

    // Act
    const report = await dsr(['report', 'REQ-ER-WAIT', '--out-dir', join(dir, 'wait')]);
    const status = await dsr(['status', 'REQ-ER-WAIT']);
    const json = await dsr(['status', 'REQ-ER-WAIT', '--format', 'json']);

    // Assess
    expect(report.code).toBe(1);
    expect(report.stderr).toContain('has no erasure receipt (current state: awaiting_approval)');
    expect(status.stdout).toMatch(/current state: awaiting_approval \(erase, /);
    expect(status.stdout).toContain(
      `waiting for approval since 2026-03-01T09:04:00.000000Z: plan ${PLAN}, 25000 rows to change (rows_above_limit); approve with: dsr approve REQ-ER-WAIT`,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      state: 'awaiting_approval',
      notes: [expect.stringContaining('dsr approve')],
    });
  });
});

describe('Commands: dsr report and dsr status for an access request whose values a later erasure removed', {
  timeout: 240_000,
}, () => {
  async function erasedAccessRequest(requestId: string) {
    const document = accessDocument(requestId);
    await loadFindings(db, AT, document, { discoveredAt: new Date(T0) });
    await ledger(requestId, 'access', [
      ['discovering'],
      ['discovered'],
      ['gated'],
      ['loading'],
      ['loaded', { rows: document.findings.length, evidenceHash: document.evidenceHash }],
    ]);
    // What the later erasure does to this request's evidence: values gone, keys and hashes kept.
    await db.execute('UPDATE "EVIDENCE"."DSR"."DSR_FINDINGS" SET "ROW" = NULL WHERE "REQUEST_ID" = ?', [
      requestId,
    ]);
    await appendLedgerEntries(db, AT, [
      {
        requestId,
        state: 'values_erased',
        stage: 'erase',
        at: new Date('2026-04-02T10:00:00.000Z'),
        traceId: 't',
        detail: { byRequest: 'REQ-ER-LATER', rows: document.findings.length },
      },
    ]);
    return document;
  }

  it('says the values were removed by which erasure request and when, and verifies the rest', async () => {
    // Prepare
    const document = await erasedAccessRequest('REQ-ACC-1');
    const out = join(dir, 'acc-1');

    // Act
    const run = await dsr(['report', 'REQ-ACC-1', '--out-dir', out]);
    const status = await dsr(['status', 'REQ-ACC-1']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'values removed by erasure request REQ-ER-LATER on 2026-04-02T10:00:00.000000Z (5 rows)',
    );
    expect(run.stdout).toContain(`the rest verifies against evidence sha256 ${document.evidenceHash}`);
    const md = await readFile(join(out, 'REQ-ACC-1.md'), 'utf8');
    expect(md).toContain(
      '| Values removed | 5 row(s) on 2026-04-02T10:00:00.000000Z by erasure request REQ-ER-LATER |',
    );
    expect(md).toContain('| postgres public.audit\\_log | 2 |');
    expect(md).toContain(
      '- Evidence verification: PASS — 5 rows carry the evidence hash recorded at load; 5 without values',
    );
    expect(md).not.toContain('ana@example.com');
    expect(status.stdout).toMatch(/current state: loaded \(erase, /);
    expect(status.stdout).toContain(
      'values of its evidence removed on 2026-04-02T10:00:00.000000Z by erasure request REQ-ER-LATER (5 rows)',
    );
  });

  it('still fails when anything else differs: a row removed from the evidence', async () => {
    // Prepare
    await erasedAccessRequest('REQ-ACC-2');
    await db.execute(
      `DELETE FROM "EVIDENCE"."DSR"."DSR_FINDINGS" WHERE "REQUEST_ID" = ? AND "TABLE_NAME" = 'public.customer'`,
      ['REQ-ACC-2'],
    );

    // Act
    const run = await dsr(['report', 'REQ-ACC-2', '--out-dir', join(dir, 'acc-2')]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('4 rows are landed, the ledger recorded 5 at load');
    expect(run.stderr).toContain('4 row(s) have no values, the erasure(s) recorded removing 5');
  });
});
