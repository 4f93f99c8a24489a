import { describe, expect, it } from 'vitest';
import { dedupKey, type PagerDutyIncident } from '../../../shared/alerting/PagerDutyClient';
import { checkDeadlines } from '../../../shared/audit/checkDeadlines';
import { runDeadlineCheck } from '../../../shared/audit/runDeadlineCheck';
import type { LedgerRecord } from '../../../shared/load/readLedger';
import { ComplianceMetrics } from '../../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../../shared/telemetry/createLogger';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR);
const SUBJECT = 'f0'.repeat(32);

/** A chained history: received, then each state at the hour given. */
function request(
  requestId: string,
  steps: [string, number, Record<string, string | number>?][],
): LedgerRecord[] {
  const all: [string, number, Record<string, string | number>?][] = [
    [
      'received',
      0,
      {
        subjectHash: SUBJECT,
        type: 'erasure',
        jurisdiction: 'GDPR',
        receivedAt: at(0).toISOString(),
        deadline: '2026-04-02T09:00:00.000Z',
      },
    ],
    ...steps,
  ];
  return all.map(([state, hours, detail], seq) => ({
    requestId,
    state,
    stage: 'x',
    at: at(hours).toISOString(),
    traceId: 't',
    detail: detail ?? null,
    seq,
    prevHash: null,
    entryHash: null,
  }));
}

const upToWait = (hours: number): [string, number, Record<string, string | number>?][] => [
  ['discovering', 0],
  ['discovered', 0],
  ['gated', 0],
  ['awaiting_approval', hours, { planHash: 'a'.repeat(64), rowsToChange: 5000 }],
];

const ledger = [
  ...request('REQ-WAIT-LONG', upToWait(1)),
  ...request('REQ-WAIT-SHORT', upToWait(20)),
  // Waited long, then approved: no longer waiting.
  ...request('REQ-APPROVED', [...upToWait(1), ['approved', 30]]),
  // Waited long, then cancelled: ended.
  ...request('REQ-CANCELLED', [...upToWait(1), ['cancelled', 2]]),
  // An extension after the wait does not end it.
  ...request('REQ-WAIT-EXTENDED', [...upToWait(2), ['extended', 3, { reasonCode: 'complexity' }]]),
  // Waited, approved, re-planned: waits again from hour 40.
  ...request('REQ-WAIT-AGAIN', [...upToWait(1), ['approved', 2], ['erasing', 3], ['awaiting_approval', 40]]),
];

describe('Function: checkDeadlines, approvals', () => {
  it('lists every request waiting for approval and marks those past the alarm', () => {
    // Act
    const check = checkDeadlines(ledger, at(30), { approvalAlarmHours: 24 });

    // Assess
    expect(check.awaitingApproval).toEqual([
      {
        requestId: 'REQ-WAIT-AGAIN',
        subjectHash: SUBJECT,
        since: at(40).toISOString(),
        hoursWaiting: 0,
        overdue: false,
      },
      {
        requestId: 'REQ-WAIT-EXTENDED',
        subjectHash: SUBJECT,
        since: at(2).toISOString(),
        hoursWaiting: 28,
        overdue: true,
      },
      {
        requestId: 'REQ-WAIT-LONG',
        subjectHash: SUBJECT,
        since: at(1).toISOString(),
        hoursWaiting: 29,
        overdue: true,
      },
      {
        requestId: 'REQ-WAIT-SHORT',
        subjectHash: SUBJECT,
        since: at(20).toISOString(),
        hoursWaiting: 10,
        overdue: false,
      },
    ]);
  });

  it('does not page at exactly the alarm hours, and does one hour later (the default is 24)', () => {
    const single = request('REQ-EDGE', upToWait(0));
    expect(checkDeadlines(single, at(24)).awaitingApproval[0]?.overdue).toBe(false);
    expect(checkDeadlines(single, at(25)).awaitingApproval[0]?.overdue).toBe(true);
  });
});

describe('Function: runDeadlineCheck, approvals', () => {
  async function run(now: Date, hours: number) {
    const pages: PagerDutyIncident[] = [];
    const lines: string[] = [];
    const waiting: { waiting: number; overdue: number }[] = [];
    const metrics = new ComplianceMetrics((l) => lines.push(l));
    const outcome = await runDeadlineCheck({
      readLedger: async () => ledger,
      pagerDuty: {
        trigger: async (incident) => {
          pages.push(incident);
          return dedupKey(incident.requestId, incident.kind);
        },
      },
      metrics: {
        openRequests: (b) => metrics.openRequests(b),
        awaitingApproval: (c) => {
          waiting.push(c);
          metrics.awaitingApproval(c);
        },
      },
      logger: createLogger({ sink: (l) => lines.push(l) }),
      now: () => now,
      options: { approvalAlarmHours: hours },
    });
    return { outcome, pages, lines, waiting };
  }

  it('pages once per request past the alarm, with the request id and subject hash only, and emits the number waiting', async () => {
    // Act
    const { outcome, pages, lines, waiting } = await run(at(30), 24);

    // Assess
    const approvalPages = pages.filter((p) => p.kind === 'approval_waiting');
    expect(approvalPages.map((p) => p.requestId)).toEqual(['REQ-WAIT-EXTENDED', 'REQ-WAIT-LONG']);
    expect(approvalPages[0]).toMatchObject({
      severity: 'warning',
      customDetails: { requestId: 'REQ-WAIT-EXTENDED', subjectHash: SUBJECT, hoursWaiting: 28 },
    });
    expect(Object.keys(approvalPages[0]?.customDetails ?? {}).sort()).toEqual([
      'hoursWaiting',
      'requestId',
      'subjectHash',
      'waitingSince',
    ]);
    // One dedup key per request, stable across runs, distinct from the deadline pages'.
    const keys = approvalPages.map((p) => dedupKey(p.requestId, p.kind));
    expect(new Set(keys).size).toBe(2);
    expect(keys[0]).not.toBe(dedupKey('REQ-WAIT-EXTENDED', 'deadline_approaching'));
    expect(waiting).toEqual([{ waiting: 4, overdue: 2 }]);
    expect(outcome.paged).toBe(pages.length);
    const metric = lines.filter((l) => l.includes('"AwaitingApproval"')).map((l) => JSON.parse(l));
    expect(metric.map((m) => [m.wait, m.AwaitingApproval])).toEqual([
      ['waiting', 4],
      ['overdue', 2],
    ]);
  });

  it('a later run pages the same requests under the same dedup keys (PagerDuty keeps one incident each)', async () => {
    const first = await run(at(30), 24);
    const second = await run(at(31), 24);
    const keys = (r: typeof first) =>
      r.pages.filter((p) => p.kind === 'approval_waiting').map((p) => dedupKey(p.requestId, p.kind));
    expect(keys(second)).toEqual(keys(first));
  });

  it('follows the configured hours', async () => {
    const { pages } = await run(at(30), 48);
    expect(pages.filter((p) => p.kind === 'approval_waiting')).toEqual([]);
  });
});
