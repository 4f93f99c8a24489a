import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAnchorStore } from '../../../shared/audit/FileAnchorStore';
import { verifyLedger } from '../../../shared/audit/verifyLedger';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import { readLedgerSince } from '../../../shared/load/readLedger';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import {
  EVIDENCE,
  type LocalPipelineFixture,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const day = (n: number) => new Date(T0.getTime() + n * 86_400_000);
const SUBJECT_HASH = 'f0'.repeat(32);

let fixture: LocalPipelineFixture;
let db: SnowflakeDatabase;

/** A request as the gate records it on arrival: received (with its clock) and discovering. */
async function inFlight(
  requestId: string,
  jurisdiction: string,
  deadline: Date,
  extra: { state: string; at: Date; detail?: Record<string, string | number | boolean> }[] = [],
) {
  await appendLedgerEntries(db, EVIDENCE, [
    {
      requestId,
      state: 'received',
      stage: 'extract-standard',
      at: T0,
      traceId: 't',
      detail: {
        subjectHash: SUBJECT_HASH,
        jurisdiction,
        receivedAt: T0.toISOString(),
        deadline: deadline.toISOString(),
        deadlineComputed: true,
      },
    },
    { requestId, state: 'discovering', stage: 'extract-standard', at: T0, traceId: 't' },
    ...extra.map((e) => ({ requestId, stage: 'operator', traceId: 't', ...e })),
  ]);
}

beforeAll(async () => {
  fixture = await startLocalPipelineFixture();
  db = openTestSnowflakeDatabase(fixture.snowflake);
  await inFlight('REQ-OPEN-GDPR', 'GDPR', new Date('2026-04-02T09:00:00.000Z'));
  // Extended to 90 days: not near its deadline when the received one is.
  await inFlight('REQ-OPEN-CCPA', 'CCPA', day(45), [
    { state: 'extended', at: day(3), detail: { reasonCode: 'complexity', deadline: day(90).toISOString() } },
  ]);
  await inFlight('REQ-CANCELLED', 'GDPR', new Date('2026-04-02T09:00:00.000Z'), [
    { state: 'cancelled', at: day(1), detail: { reasonCode: 'withdrawn' } },
  ]);
}, 240_000);

afterAll(async () => {
  await db?.close();
  await fixture?.stop();
});

const pagesFor = (from: number) =>
  fixture.pipeline.pagerDuty.events.slice(from).map((e) => {
    const payload = e.payload as { custom_details?: Record<string, unknown>; summary?: string };
    return {
      dedup: String(e.dedup_key),
      requestId: payload.custom_details?.requestId,
      details: payload.custom_details,
    };
  });

describe('Deadline check in the local runtime, under an injected clock', () => {
  it('stays quiet before 80 % of the period', async () => {
    const before = fixture.pipeline.pagerDuty.events.length;
    const outcome = await fixture.pipeline.deadlineCheck(day(10));
    expect(outcome).toMatchObject({ open: 2, paged: 0, announced: ['REQ-CANCELLED'] });
    expect(fixture.pipeline.pagerDuty.events.length).toBe(before);
  });

  it('announces the request cancelled without a topic (its completion event never published), on its first run only', async () => {
    // The first run (day 10) found REQ-CANCELLED terminal without a completion_published annotation.
    const cancelled = () =>
      fixture.pipeline.completions.events.filter((e) => e.requestId === 'REQ-CANCELLED');
    expect(cancelled()).toHaveLength(1);
    expect(cancelled()[0]).toMatchObject({
      state: 'cancelled',
      final: true,
      jurisdiction: 'GDPR',
      reason: 'withdrawn',
    });
    expect(JSON.stringify(cancelled()[0])).not.toContain(SUBJECT_HASH);
    const history = (await readLedgerSince(db, EVIDENCE)).filter((r) => r.requestId === 'REQ-CANCELLED');
    expect(history.filter((r) => r.state === 'completion_published')).toMatchObject([
      { stage: 'completion-cancelled', detail: { eventId: cancelled()[0]?.eventId, state: 'cancelled' } },
    ]);
    // Another run finds it announced.
    const again = await fixture.pipeline.deadlineCheck(day(11));
    expect(again.announced).toEqual([]);
    expect(cancelled()).toHaveLength(1);
  });

  it('pages for an open request past 80 % of its period, with the request id and subject hash only', async () => {
    const before = fixture.pipeline.pagerDuty.events.length;
    const outcome = await fixture.pipeline.deadlineCheck(day(26));
    expect(outcome.alerts.map((a) => [a.requestId, a.level])).toEqual([['REQ-OPEN-GDPR', 'approaching']]);
    const pages = pagesFor(before);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.requestId).toBe('REQ-OPEN-GDPR');
    expect(pages[0]?.details).toMatchObject({ subjectHash: SUBJECT_HASH, jurisdiction: 'GDPR', daysLeft: 5 });
    expect(Object.keys(pages[0]?.details ?? {}).sort()).toEqual([
      'daysLeft',
      'deadline',
      'jurisdiction',
      'kind',
      'requestId',
      'subjectHash',
    ]);
  });

  it('pages again, as a separate incident, once the deadline has passed; never for the cancelled or extended one', async () => {
    const before = fixture.pipeline.pagerDuty.events.length;
    const outcome = await fixture.pipeline.deadlineCheck(day(32));
    expect(outcome.alerts.map((a) => [a.requestId, a.level])).toEqual([['REQ-OPEN-GDPR', 'overdue']]);
    const [page] = pagesFor(before);
    expect(page?.dedup).toContain('deadline_passed');
    expect(outcome.byDaysLeft).toMatchObject({ overdue: 1, '31+': 1 });
    // The metric for the dashboard: every bucket, with its count.
    const metric = fixture.lines.filter((l) => l.includes('"OpenRequests"')).at(-1);
    expect(metric).toBeDefined();
  });

  it('took one anchor per day it ran, and the ledger verifies against them', async () => {
    const anchors = await new FileAnchorStore(fixture.pipeline.anchorDir).list();
    expect(anchors.map((a) => a.date)).toEqual(['2026-03-12', '2026-03-13', '2026-03-28', '2026-04-03']);
    const result = verifyLedger(await readLedgerSince(db, EVIDENCE), anchors);
    expect(result.breaks).toEqual([]);
    expect(result.anchors).toBe(4);
  });

  it('pages an erasure waiting for approval longer than DSR_APPROVAL_ALARM_HOURS (default 24), once per request, and counts it', async () => {
    // Prepare: an erasure request received on day 33 that waits for approval from then on.
    await inFlight('REQ-WAITING', 'GDPR', day(63), [
      { state: 'discovered', at: day(33), detail: { rows: 3 } },
      { state: 'gated', at: day(33) },
      { state: 'awaiting_approval', at: day(33), detail: { planHash: 'a'.repeat(64), rowsToChange: 5000 } },
    ]);
    const before = fixture.pipeline.pagerDuty.events.length;

    // Act: 23 hours later nothing; 25 hours later a page; an hour after that the same incident.
    const early = await fixture.pipeline.deadlineCheck(new Date(day(33).getTime() + 23 * 3_600_000));
    const late = await fixture.pipeline.deadlineCheck(new Date(day(33).getTime() + 25 * 3_600_000));
    const later = await fixture.pipeline.deadlineCheck(new Date(day(33).getTime() + 26 * 3_600_000));

    // Assess
    expect(early.awaitingApproval).toMatchObject([{ requestId: 'REQ-WAITING', overdue: false }]);
    expect(late.awaitingApproval).toMatchObject([
      { requestId: 'REQ-WAITING', overdue: true, hoursWaiting: 25 },
    ]);
    const approvalPages = pagesFor(before).filter((p) => p.details?.kind === 'approval_waiting');
    expect(approvalPages.map((p) => p.requestId)).toEqual(['REQ-WAITING', 'REQ-WAITING']);
    expect(new Set(approvalPages.map((p) => p.dedup)).size).toBe(1);
    expect(approvalPages[0]?.details).toEqual({
      kind: 'approval_waiting',
      requestId: 'REQ-WAITING',
      subjectHash: SUBJECT_HASH,
      waitingSince: day(33).toISOString().replace('.000Z', '.000000Z'),
      hoursWaiting: 25,
    });
    expect(later.paged).toBeGreaterThanOrEqual(1);
    const metric = fixture.lines.filter((l) => l.includes('"AwaitingApproval"')).map((l) => JSON.parse(l));
    expect(metric.at(-1)).toMatchObject({ wait: 'overdue', AwaitingApproval: 1 });
  });
});
