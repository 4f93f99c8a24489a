import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { verifyLedger } from '../../../shared/audit/verifyLedger';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import { readLedger } from '../../../shared/load/readLedger';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { type CliRun, localSnowflakeCliEnv, runCli, writeCliProgram } from '../../support/cliProgram';
import { startTestEvidence, type TestEvidence } from '../../support/snowflake';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const PLAN = '7e'.repeat(32);

let dir: string;
let program: string;
let evidence: TestEvidence;
let sf: LocalSnowflake;
let db: SnowflakeDatabase;

/** Runs `dsr approve …` logged in as `user` (password `pw`), with `role` when given. */
function dsr(
  args: string[],
  login: { user: string; password: string; role?: string } = { user: 'DSR', password: 'dsr' },
): Promise<CliRun> {
  return runCli(program, args, localSnowflakeCliEnv(sf, AT, login));
}

/** An erasure request that reached the erase stage and waits with a plan above the limit. */
async function waiting(requestId: string) {
  const t = new Date('2026-03-01T09:00:00.000Z');
  const at = (m: number) => new Date(t.getTime() + m * 60_000);
  await appendLedgerEntries(db, AT, [
    {
      requestId,
      state: 'received',
      stage: 'extract-high',
      at: at(0),
      traceId: 't',
      detail: {
        subjectHash: 'ab'.repeat(32),
        type: 'erasure',
        jurisdiction: 'GDPR',
        receivedAt: at(0).toISOString(),
        deadline: '2026-04-01T09:00:00.000Z',
        deadlineComputed: true,
      },
    },
    { requestId, state: 'discovering', stage: 'extract-high', at: at(1), traceId: 't' },
    { requestId, state: 'discovered', stage: 'extract-high', at: at(2), traceId: 't' },
    { requestId, state: 'gated', stage: 'gate', at: at(3), traceId: 't' },
    {
      requestId,
      state: 'awaiting_approval',
      stage: 'erase',
      at: at(4),
      traceId: 't',
      detail: { planHash: PLAN, rowsToChange: 25_000, reasons: 'rows_above_limit' },
    },
  ]);
}

beforeAll(async () => {
  evidence = await startTestEvidence(AT, {
    users: {
      DSR: { password: 'dsr' },
      privacy_officer: { password: 'po-secret', defaultRole: 'DSR_APPROVER' },
    },
  });
  ({ sf, db } = evidence);
  dir = await mkdtemp(join(tmpdir(), 'dsr-approve-cli-'));
  program = await writeCliProgram(dir, 'dsr-approve', { approve: 'registerApprove' });
});

afterAll(async () => {
  await evidence?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Command: dsr approve', { timeout: 240_000 }, () => {
  it('records the session user and role as the approver, bound to the waiting plan; a second approval is refused', async () => {
    // Prepare
    await waiting('REQ-APPROVE-1');

    // Act: the operator logs in as themselves (lower-case, as typed), with the approving role.
    const approved = await dsr(
      ['approve', 'REQ-APPROVE-1', '--note', 'Signed off by the DPO for Ana Example'],
      {
        user: 'privacy_officer',
        password: 'po-secret',
        role: 'dsr_approver',
      },
    );
    const again = await dsr(['approve', 'REQ-APPROVE-1'], { user: 'privacy_officer', password: 'po-secret' });

    // Assess
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.stdout).toContain('approved by PRIVACY_OFFICER (role DSR_APPROVER)');
    const history = await readLedger(db, AT, 'REQ-APPROVE-1');
    const entry = history.find((e) => e.state === 'approved');
    expect(entry).toMatchObject({ stage: 'operator' });
    expect(entry?.detail).toEqual({
      approver: 'PRIVACY_OFFICER',
      approverRole: 'DSR_APPROVER',
      planHash: PLAN,
      noteSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The note may name people: it is kept as a hash only, nowhere in the ledger or the output.
    expect(JSON.stringify(history)).not.toContain('Ana Example');
    expect(approved.stdout + approved.stderr).not.toContain('Ana Example');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refused (already_approved)');
    expect(history.filter((e) => e.state === 'approved')).toHaveLength(1);
    expect(verifyLedger(history, []).breaks).toEqual([]);
  });

  it('refuses, with exit 1 and appending nothing, a request that is not waiting and one that is unknown', async () => {
    // Prepare: a request at the gate, not yet waiting.
    await appendLedgerEntries(db, AT, [
      { requestId: 'REQ-APPROVE-2', state: 'received', stage: 'extract-high', at: new Date(), traceId: 't' },
    ]);

    // Act
    const early = await dsr(['approve', 'REQ-APPROVE-2']);
    const unknown = await dsr(['approve', 'REQ-NOBODY']);
    const emptyNote = await dsr(['approve', 'REQ-APPROVE-2', '--note', '  ']);

    // Assess
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('refused (not_awaiting_approval)');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('refused (unknown_request)');
    expect(emptyNote.code).toBe(2);
    expect((await readLedger(db, AT, 'REQ-APPROVE-2')).map((e) => e.state)).toEqual(['received']);
  });

  it('with --format json prints the approval, and a refusal, as one JSON document', async () => {
    // Prepare
    await waiting('REQ-APPROVE-JSON');
    const login = { user: 'privacy_officer', password: 'po-secret', role: 'dsr_approver' };

    // Act
    const approved = await dsr(['approve', 'REQ-APPROVE-JSON', '--format', 'json'], login);
    const again = await dsr(['approve', 'REQ-APPROVE-JSON', '--format', 'json'], login);
    const badFormat = await dsr(['approve', 'REQ-APPROVE-JSON', '--format', 'yaml'], login);

    // Assess
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toEqual({
      requestId: 'REQ-APPROVE-JSON',
      outcome: 'approved',
      approver: 'PRIVACY_OFFICER',
      approverRole: 'DSR_APPROVER',
      planHash: PLAN,
    });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({
      requestId: 'REQ-APPROVE-JSON',
      outcome: 'refused',
      refusal: 'already_approved',
    });
    expect(badFormat.code).toBe(2);
  });
});
