import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../../shared/audit/verifyLedger';
import type { LedgerRecord } from '../../../shared/load/readLedger';
import { renderTimeline } from '../../../shared/report/renderTimeline';

const record = (state: string, at: string, detail: LedgerRecord['detail'] = null): LedgerRecord => ({
  requestId: 'REQ-T',
  state,
  stage: state === 'extended' || state === 'cancelled' ? 'operator' : 'gate',
  at,
  traceId: 't',
  detail,
  seq: null,
  prevHash: null,
  entryHash: null,
});

const received = record('received', '2026-03-02T09:00:00.000000Z', {
  subjectHash: 'ab',
  jurisdiction: 'CCPA',
  receivedAt: '2026-03-02T09:00:00.000Z',
  deadline: '2026-04-16T09:00:00.000Z',
  deadlineComputed: true,
});
const extended = record('extended', '2026-03-20T00:00:00.000000Z', {
  reasonCode: 'complexity',
  previousDeadline: '2026-04-16T09:00:00.000Z',
  deadline: '2026-05-31T09:00:00.000Z',
});

describe('Function: renderTimeline', () => {
  it('states receipt, acknowledgement due, the extension with its reason, the terminal state and that the deadline was met', () => {
    const history = [
      received,
      record('discovering', '2026-03-21T00:00:00.000000Z'),
      extended,
      record('loaded', '2026-05-01T00:00:00.000000Z', { rows: 4, evidenceHash: 'c'.repeat(64) }),
    ];
    const text = renderTimeline(history, verifyLedger(history));
    expect(text).toContain(
      '| 2026-03-02T09:00:00.000000Z | Received | CCPA; respond by 2026-04-16T09:00:00.000Z (CCPA/CPRA, 11 CCR §7021) |',
    );
    expect(text).toContain(
      'Deadline extended | reason: complexity; respond by 2026-05-31T09:00:00.000Z (was 2026-04-16T09:00:00.000Z)',
    );
    expect(text).toContain('- Acknowledgement due by 2026-03-16T09:00:00.000Z');
    expect(text).toContain('- Deadline: 2026-05-31T09:00:00.000Z (extended).');
    // Loaded after the received deadline, within the extended one.
    expect(text).toContain('- Terminal state: loaded at 2026-05-01T00:00:00.000000Z: deadline met.');
    expect(text).toContain('- Ledger verification: PASS');
    // Entries are listed in time order when unchained: the extension before the load.
    expect(text.indexOf('Deadline extended')).toBeLessThan(text.indexOf('Evidence loaded'));
  });

  it('says when the deadline was missed, and when verification failed', () => {
    const history = [received, record('loaded', '2026-04-20T00:00:00.000000Z', { rows: 1 })];
    const failed = {
      requests: 1,
      entries: 2,
      unchained: 0,
      anchors: 0,
      breaks: [
        {
          kind: 'changed' as const,
          requestId: 'REQ-T',
          position: 1,
          message: 'request REQ-T: the entry at position 1 (loaded) does not match its hash',
        },
      ],
    };
    const text = renderTimeline(history, failed);
    expect(text).toContain('deadline missed.');
    expect(text).toContain(
      '- Ledger verification: FAIL — request REQ-T: the entry at position 1 (loaded) does not match its hash.',
    );
  });

  it('shows a cancellation with its reason code as the terminal state', () => {
    const history = [
      received,
      record('cancelled', '2026-03-05T00:00:00.000000Z', { reasonCode: 'withdrawn' }),
    ];
    const text = renderTimeline(history, verifyLedger(history));
    expect(text).toContain('| Cancelled | reason: withdrawn |');
    expect(text).toContain('- Terminal state: cancelled at 2026-03-05T00:00:00.000000Z: deadline met.');
  });
});

describe('Function: renderTimeline, erasure', () => {
  it('names the waiting plan, the approver and role, the receipt and the outcome', () => {
    const plan = '9'.repeat(64);
    const history = [
      { ...received, detail: { ...received.detail, type: 'erasure' } },
      record('awaiting_approval', '2026-03-03T00:00:00.000000Z', {
        planHash: plan,
        rowsToChange: 12000,
        reasons: 'rows_above_limit',
      }),
      record('approved', '2026-03-04T00:00:00.000000Z', {
        approver: 'PRIVACY_OFFICER',
        approverRole: 'DSR_APPROVER',
        planHash: plan,
      }),
      record('erasing', '2026-03-04T00:05:00.000000Z', { planHash: plan, rowsToChange: '12000' }),
      record('erasing', '2026-03-04T00:06:00.000000Z', {
        checkpoint: 'step',
        system: 'postgres',
        table: 'public.orders',
        action: 'delete',
        planned: '12000',
        changed: '11990',
        alreadyDone: '10',
      }),
      record('erasing', '2026-03-04T00:07:00.000000Z', {
        checkpoint: 'copies',
        earlierRequests: '2',
        findingRowsCleared: '40',
        objectsDeleted: '3',
      }),
      record('erased', '2026-03-04T00:10:00.000000Z', { receiptHash: 'd'.repeat(64) }),
    ];
    const text = renderTimeline(history, verifyLedger(history));
    expect(text).toContain('| Erasing | 12000 rows to change; plan 999999999999… |');
    expect(text).toContain(
      '| Erasure step committed | postgres public.orders: delete 11990 row(s), 10 already done |',
    );
    expect(text).toContain(
      "| dsr-bridge's own copies removed | values of 40 finding(s) of 2 earlier request(s); 3 bucket object(s) |",
    );
    expect(text).toContain(
      '| Erasure plan waiting for approval | 12000 rows to change; rows_above_limit; plan 999999999999… |',
    );
    expect(text).toContain(
      '| Erasure plan approved | by PRIVACY_OFFICER (role DSR_APPROVER); plan 999999999999… |',
    );
    expect(text).toContain('| Erased (the proof found nothing left) | receipt dddddddddddd… |');
    expect(text).toContain('- Terminal state: erased at 2026-03-04T00:10:00.000000Z: deadline met.');
  });

  it('says an open request waits for approval, and shows values removed by a later erasure', () => {
    const waiting = [
      received,
      record('awaiting_approval', '2026-03-03T00:00:00.000000Z', {
        planHash: 'a'.repeat(64),
        rowsToChange: 3,
      }),
    ];
    expect(
      renderTimeline(waiting, verifyLedger(waiting), { now: new Date('2026-03-04T00:00:00Z') }),
    ).toContain('- Open (the erasure plan waits for approval: dsr approve): deadline not yet reached.');
    const annotated = [
      received,
      record('loaded', '2026-03-05T00:00:00.000000Z', { rows: 4 }),
      record('values_erased', '2026-04-01T00:00:00.000000Z', { byRequest: 'REQ-ERASE-1', rows: 4 }),
    ];
    expect(renderTimeline(annotated, verifyLedger(annotated))).toContain(
      "| Evidence values removed by a later erasure | 4 rows' values removed by erasure request REQ-ERASE-1 |",
    );
  });
});
