import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import { readLedger } from '../../../shared/load/readLedger';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { type CliRun, localSnowflakeCliEnv, runCli, writeCliProgram } from '../../support/cliProgram';
import { startTestEvidence, type TestEvidence } from '../../support/snowflake';

const AT = { database: 'EVIDENCE', schema: 'DSR' };

let dir: string;
let program: string;
let evidence: TestEvidence;
let sf: LocalSnowflake;
let db: SnowflakeDatabase;

function dsr(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(program, args, { ...localSnowflakeCliEnv(sf, AT), ...env });
}

/** A request received now under a jurisdiction, with the deadline the extractor records. */
async function receive(requestId: string, jurisdiction: string, receivedAt: Date, deadline: string) {
  await appendLedgerEntries(db, AT, [
    {
      requestId,
      state: 'received',
      stage: 'extract-high',
      at: receivedAt,
      traceId: 't',
      detail: {
        subjectHash: 'ab'.repeat(32),
        jurisdiction,
        receivedAt: receivedAt.toISOString(),
        deadline,
        deadlineComputed: true,
      },
    },
    { requestId, state: 'discovering', stage: 'extract-high', at: receivedAt, traceId: 't' },
  ]);
}

beforeAll(async () => {
  evidence = await startTestEvidence(AT);
  ({ sf, db } = evidence);
  dir = await mkdtemp(join(tmpdir(), 'dsr-audit-cli-'));
  // .mts: an ES module outside the package, so top-level await is allowed.
  program = await writeCliProgram(dir, 'dsr-audit', {
    extend: 'registerExtend',
    cancel: 'registerCancel',
    verify: 'registerVerify',
    anchor: 'registerAnchor',
  });
});

afterAll(async () => {
  await evidence?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Commands: dsr extend, dsr cancel, dsr verify', { timeout: 240_000 }, () => {
  it('extends once, refuses a second extension, cancels, and the ledger verifies', async () => {
    // Prepare: a CCPA request received two days ago (45 days, one extension of 45).
    const received = new Date(Date.now() - 2 * 86_400_000);
    received.setUTCMilliseconds(0);
    const deadline = new Date(received.getTime() + 45 * 86_400_000).toISOString();
    await receive('REQ-CLI-1', 'CCPA', received, deadline);

    // Act + Assess
    const extended = await dsr(['extend', 'REQ-CLI-1', '--reason', 'complexity: 14 source systems']);
    expect(extended).toMatchObject({ code: 0 });
    expect(extended.stdout).toContain(
      `deadline ${deadline} → ${new Date(received.getTime() + 90 * 86_400_000).toISOString()}`,
    );
    const again = await dsr(['extend', 'REQ-CLI-1', '--reason', 'complexity']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refused (extension_repeated)');
    const badReason = await dsr(['cancel', 'REQ-CLI-1', '--reason', 'because I said so']);
    expect(badReason.code).toBe(2);
    expect(badReason.stderr).not.toContain('said so');

    // With `dsr up`'s completions file, the cancellation is announced as the stages announce theirs.
    const completions = join(dir, 'completions.ndjson');
    const cancelled = await dsr(['cancel', 'REQ-CLI-1', '--reason', 'withdrawn'], {
      DSR_COMPLETIONS_FILE: completions,
    });
    expect(cancelled).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('cancelled (reason withdrawn)'),
    });
    expect((await dsr(['cancel', 'REQ-CLI-1', '--reason', 'withdrawn'])).code).toBe(1);
    const events = (await readFile(completions, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toEqual([
      expect.objectContaining({
        requestId: 'REQ-CLI-1',
        state: 'cancelled',
        final: true,
        reason: 'withdrawn',
      }),
    ]);
    expect(events[0]).not.toHaveProperty('packageLocation');

    const history = await readLedger(db, AT, 'REQ-CLI-1');
    expect(history.map((h) => h.state)).toEqual([
      'received',
      'discovering',
      'extended',
      'cancelled',
      'completion_published',
    ]);
    expect(JSON.stringify(history)).not.toContain('source systems');

    const anchors = join(dir, 'anchors');
    expect((await dsr(['anchor', '--anchors', anchors])).stdout).toMatch(
      /^anchor \d{4}-\d{2}-\d{2}: 1 request/,
    );
    const verified = await dsr(['verify', '--anchors', anchors]);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringContaining('result: PASS, no break') });
    expect((await dsr(['verify', 'REQ-CLI-1'])).code).toBe(0);
    // A folder that is not there checks no anchor: refused, not passed.
    const mistyped = await dsr(['verify', '--anchors', join(dir, 'anchros')]);
    expect(mistyped).toMatchObject({ code: 2, stderr: expect.stringContaining('no such folder of anchors') });
  });

  it('refuses an extension after the notice window', async () => {
    const received = new Date(Date.now() - 40 * 86_400_000);
    await receive(
      'REQ-CLI-LATE',
      'GDPR',
      received,
      new Date(received.getTime() + 31 * 86_400_000).toISOString(),
    );
    const late = await dsr(['extend', 'REQ-CLI-LATE', '--reason', 'number_of_requests']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('refused (extension_too_late)');
  });

  it('exits 1 naming the request and position when an entry was edited', async () => {
    await receive('REQ-CLI-T', 'LGPD', new Date('2026-03-01T00:00:00Z'), '2026-03-16T00:00:00.000Z');
    await sf.sql(
      `UPDATE EVIDENCE.DSR.DSR_LEDGER SET "STAGE" = 'gate' WHERE "REQUEST_ID" = 'REQ-CLI-T' AND "SEQ" = 1`,
    );
    const result = await dsr(['verify', '--since', '2026-01-01']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'request REQ-CLI-T: the entry at position 1 (discovering) does not match its hash',
    );
    expect(result.stderr).toContain('the ledger does not verify');
  });

  it('with --format json prints each outcome as one JSON document, a refusal too', async () => {
    // Prepare
    const received = new Date(Date.now() - 86_400_000);
    received.setUTCMilliseconds(0);
    const deadline = new Date(received.getTime() + 45 * 86_400_000).toISOString();
    await receive('REQ-CLI-JSON', 'CCPA', received, deadline);
    const json = async (args: string[]) => {
      const run = await dsr([...args, '--format', 'json']);
      return { code: run.code, document: JSON.parse(run.stdout) as unknown };
    };

    // Act + Assess
    expect(await json(['extend', 'REQ-CLI-JSON', '--reason', 'complexity'])).toEqual({
      code: 0,
      document: {
        requestId: 'REQ-CLI-JSON',
        action: 'extend',
        outcome: 'extended',
        reasonCode: 'complexity',
        previousDeadline: deadline,
        deadline: new Date(received.getTime() + 90 * 86_400_000).toISOString(),
      },
    });
    expect(await json(['extend', 'REQ-CLI-JSON', '--reason', 'complexity'])).toMatchObject({
      code: 1,
      document: { outcome: 'refused', refusal: 'extension_repeated' },
    });
    expect(await json(['cancel', 'REQ-CLI-JSON', '--reason', 'withdrawn'])).toEqual({
      code: 0,
      document: {
        requestId: 'REQ-CLI-JSON',
        action: 'cancel',
        outcome: 'cancelled',
        reasonCode: 'withdrawn',
        knownToLedger: true,
      },
    });
    const anchors = join(dir, 'anchors-json');
    const anchored = await json(['anchor', '--anchors', anchors]);
    expect(anchored).toMatchObject({
      code: 0,
      document: {
        written: true,
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        root: expect.any(String),
      },
    });
    expect((anchored.document as { requests: number }).requests).toBeGreaterThan(0);
    expect(await json(['anchor', '--anchors', anchors])).toEqual({ code: 0, document: { written: false } });
    expect(await json(['verify', 'REQ-CLI-JSON', '--anchors', anchors])).toMatchObject({
      code: 0,
      document: { requests: 1, breaks: [] },
    });
  });
});
