import type { Logger } from '@aws-lambda-powertools/logger';
import type { PagerDutyClient } from '../alerting/PagerDutyClient';
import type { LedgerRecord } from '../load/readLedger';
import { serializeError } from '../telemetry/serializeError';
import {
  checkDeadlines,
  type DaysLeftBucket,
  type DeadlineCheck,
  type DeadlineCheckOptions,
} from './checkDeadlines';
import type { LedgerAnchor } from './LedgerAnchor';

export interface DeadlineCheckDeps {
  /** Every request's ledger entries. */
  readonly readLedger: () => Promise<readonly LedgerRecord[]>;
  readonly pagerDuty: Pick<PagerDutyClient, 'trigger'>;
  readonly metrics: {
    openRequests(byDaysLeft: Readonly<Record<DaysLeftBucket, number>>): void;
    awaitingApproval(counts: { readonly waiting: number; readonly overdue: number }): void;
  };
  readonly logger: Logger;
  readonly now: () => Date;
  /** Takes the day's ledger anchor (once per UTC day; later runs write nothing). */
  readonly anchor?: (now: Date) => Promise<LedgerAnchor | undefined>;
  readonly options?: DeadlineCheckOptions;
  /**
   * Announces terminal requests whose completion event was never published, from the ledger just
   * read (the pipeline's completion sweep). Absent where nothing publishes completion events.
   */
  readonly announceCompletions?: (
    ledger: readonly LedgerRecord[],
    now: Date,
  ) => Promise<{ readonly announced: readonly string[]; readonly failed?: string; readonly error?: unknown }>;
}

export interface DeadlineCheckOutcome extends DeadlineCheck {
  readonly paged: number;
  readonly anchored?: string;
  /** Requests whose missing completion event this run published. */
  readonly announced: readonly string[];
  /** The request whose late publish failed (the next run tries again). */
  readonly announceFailed?: string;
}

/**
 * The scheduled check: pages for every open request past its alarm share or its deadline (one
 * incident per request and level: PagerDuty's dedup key keeps hourly runs from paging twice) and
 * for every erasure waiting for approval longer than the alarm allows (`approval_waiting`, one
 * incident per request), emits the open requests by days left and the requests waiting for
 * approval, and takes the day's ledger anchor. Pages and logs carry
 * the request id and subject hash only.
 */
export async function runDeadlineCheck(deps: DeadlineCheckDeps): Promise<DeadlineCheckOutcome> {
  const now = deps.now();
  const ledger = await deps.readLedger();
  const check = checkDeadlines(ledger, now, deps.options);
  deps.metrics.openRequests(check.byDaysLeft);
  for (const alert of check.alerts) {
    await deps.pagerDuty.trigger({
      requestId: alert.requestId,
      kind: alert.level === 'overdue' ? 'deadline_passed' : 'deadline_approaching',
      severity: alert.level === 'overdue' ? 'critical' : 'warning',
      summary:
        alert.level === 'overdue'
          ? `dsr-bridge: request ${alert.requestId} (${alert.jurisdiction}) is past its deadline ${alert.deadline}`
          : `dsr-bridge: request ${alert.requestId} (${alert.jurisdiction}) has ${alert.daysLeft} day(s) left, ${Math.round(alert.elapsed * 100)}% of its period gone`,
      customDetails: {
        requestId: alert.requestId,
        jurisdiction: alert.jurisdiction,
        deadline: alert.deadline,
        daysLeft: alert.daysLeft,
        ...(alert.subjectHash ? { subjectHash: alert.subjectHash } : {}),
      },
    });
  }
  const overdueApprovals = check.awaitingApproval.filter((w) => w.overdue);
  deps.metrics.awaitingApproval({ waiting: check.awaitingApproval.length, overdue: overdueApprovals.length });
  for (const wait of overdueApprovals) {
    // One incident per request (the dedup key is the request and the kind), however many runs see it.
    await deps.pagerDuty.trigger({
      requestId: wait.requestId,
      kind: 'approval_waiting',
      severity: 'warning',
      summary: `dsr-bridge: erasure request ${wait.requestId} has waited ${wait.hoursWaiting} hour(s) for approval (dsr approve)`,
      customDetails: {
        requestId: wait.requestId,
        waitingSince: wait.since,
        hoursWaiting: wait.hoursWaiting,
        ...(wait.subjectHash ? { subjectHash: wait.subjectHash } : {}),
      },
    });
  }
  // After the pages: a topic that fails does not keep an overdue request from paging.
  const sweep = deps.announceCompletions ? await deps.announceCompletions(ledger, now) : { announced: [] };
  if (sweep.failed !== undefined)
    deps.logger.warn('completion sweep stopped: a publish failed', {
      requestId: sweep.failed,
      announced: sweep.announced.length,
      error: serializeError(sweep.error),
    });
  const anchor = deps.anchor ? await deps.anchor(now) : undefined;
  deps.logger.info('deadline check', {
    open: check.open,
    paged: check.alerts.length + overdueApprovals.length,
    awaitingApproval: check.awaitingApproval.length,
    announced: sweep.announced.length,
    ...(anchor ? { anchored: anchor.date, anchorRoot: anchor.root } : {}),
  });
  return {
    ...check,
    paged: check.alerts.length + overdueApprovals.length,
    announced: sweep.announced,
    ...(sweep.failed !== undefined ? { announceFailed: sweep.failed } : {}),
    ...(anchor ? { anchored: anchor.date } : {}),
  };
}
