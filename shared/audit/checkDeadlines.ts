import type { HolidayList } from '../intake/addPeriod';
import { DEFAULT_DEADLINE_RULES, type DeadlineRule } from '../intake/computeDeadline';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';
import type { LedgerRecord } from '../load/readLedger';
import { requestClock } from './requestClock';

/** Share of its period after which an open request pages, unless a jurisdiction sets its own. */
export const DEFAULT_ALARM_SHARE = 0.8;

/** Buckets of the dashboard's "open requests by days left" widget. */
export const DAYS_LEFT_BUCKETS = ['overdue', '0-2', '3-7', '8-14', '15-30', '31+'] as const;
export type DaysLeftBucket = (typeof DAYS_LEFT_BUCKETS)[number];

/** An open request that pages: past its alarm share, or past its deadline. Ids and hashes only. */
export interface DeadlineAlert {
  readonly requestId: string;
  readonly subjectHash?: string;
  readonly jurisdiction: string;
  readonly level: 'approaching' | 'overdue';
  /** The current deadline (extensions included). */
  readonly deadline: string;
  /** Whole days to the deadline, negative once passed. */
  readonly daysLeft: number;
  /** Share of the period elapsed, 0–1+. */
  readonly elapsed: number;
}

/** Hours an erasure plan may wait for `dsr approve` before the check pages, unless configured. */
export const DEFAULT_APPROVAL_ALARM_HOURS = 24;

/** A request whose last state is `awaiting_approval`. Ids and hashes only. */
export interface ApprovalWait {
  readonly requestId: string;
  readonly subjectHash?: string;
  /** When the request started waiting (its latest `awaiting_approval` entry). */
  readonly since: string;
  /** Whole hours waited at the check's time. */
  readonly hoursWaiting: number;
  /** Whether it has waited longer than the alarm allows: the check pages for it. */
  readonly overdue: boolean;
}

export interface DeadlineCheck {
  /** Requests not yet in a final state. */
  readonly open: number;
  readonly alerts: readonly DeadlineAlert[];
  readonly byDaysLeft: Readonly<Record<DaysLeftBucket, number>>;
  /** Every request waiting for approval, by request id. */
  readonly awaitingApproval: readonly ApprovalWait[];
}

export interface DeadlineCheckOptions {
  /** @default {@link DEFAULT_ALARM_SHARE} */
  readonly share?: number;
  /** A share per jurisdiction, where it differs from `share`. */
  readonly shares?: Readonly<Record<string, number>>;
  readonly rules?: Readonly<Record<string, DeadlineRule>>;
  readonly holidays?: HolidayList;
  /** Hours a request may wait for approval before it pages. @default {@link DEFAULT_APPROVAL_ALARM_HOURS} */
  readonly approvalAlarmHours?: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Which open requests are past their alarm share or their deadline at `now`. A request is open
 * until it is loaded, quarantined or cancelled; a dead-lettered request is still owed an answer.
 * The deadline is the current one (extensions included).
 */
export function checkDeadlines(
  records: readonly LedgerRecord[],
  now: Date,
  options: DeadlineCheckOptions = {},
): DeadlineCheck {
  const byRequest = new Map<string, LedgerRecord[]>();
  for (const r of records) byRequest.set(r.requestId, [...(byRequest.get(r.requestId) ?? []), r]);
  const byDaysLeft = Object.fromEntries(DAYS_LEFT_BUCKETS.map((b) => [b, 0])) as Record<
    DaysLeftBucket,
    number
  >;
  const alerts: DeadlineAlert[] = [];
  const awaitingApproval: ApprovalWait[] = [];
  const alarmMs = (options.approvalAlarmHours ?? DEFAULT_APPROVAL_ALARM_HOURS) * HOUR_MS;
  let open = 0;
  for (const [requestId, history] of [...byRequest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (history.some((e) => FINAL_STATES.has(e.state as RequestState))) continue;
    const wait = approvalWait(requestId, history, now, alarmMs);
    if (wait) awaitingApproval.push(wait);
    const clock = requestClock(history, options.rules ?? DEFAULT_DEADLINE_RULES, options.holidays);
    if (!clock) continue;
    open++;
    const left = clock.deadline.getTime() - now.getTime();
    const daysLeft = Math.floor(left / DAY_MS);
    byDaysLeft[bucketOf(left)]++;
    const elapsed = clock.periodMs > 0 ? (now.getTime() - clock.receivedAt.getTime()) / clock.periodMs : 1;
    const share = options.shares?.[clock.jurisdiction] ?? options.share ?? DEFAULT_ALARM_SHARE;
    const level = left < 0 ? 'overdue' : elapsed >= share ? 'approaching' : undefined;
    if (!level) continue;
    const subjectHash = history.find((e) => e.state === 'received')?.detail?.subjectHash;
    alerts.push({
      requestId,
      ...(typeof subjectHash === 'string' ? { subjectHash } : {}),
      jurisdiction: clock.jurisdiction,
      level,
      deadline: clock.deadline.toISOString(),
      daysLeft,
      elapsed: Math.round(elapsed * 1000) / 1000,
    });
  }
  return { open, alerts, byDaysLeft, awaitingApproval };
}

/**
 * The request's wait for approval, when its lifecycle's last state is `awaiting_approval` (an
 * annotation after it, such as an extension, does not end the wait). Entries are taken in chain
 * order where they are chained, else by time.
 */
function approvalWait(
  requestId: string,
  history: readonly LedgerRecord[],
  now: Date,
  alarmMs: number,
): ApprovalWait | undefined {
  const ordered = [...history].sort((a, b) =>
    a.seq !== null && b.seq !== null ? a.seq - b.seq : Date.parse(a.at) - Date.parse(b.at),
  );
  const last = lifecycleOf(ordered).at(-1);
  if (last?.state !== 'awaiting_approval') return undefined;
  const waitedMs = now.getTime() - Date.parse(last.at);
  const subjectHash = history.find((e) => e.state === 'received')?.detail?.subjectHash;
  return {
    requestId,
    ...(typeof subjectHash === 'string' ? { subjectHash } : {}),
    since: last.at,
    hoursWaiting: Math.max(0, Math.floor(waitedMs / HOUR_MS)),
    overdue: waitedMs > alarmMs,
  };
}

function bucketOf(leftMs: number): DaysLeftBucket {
  if (leftMs < 0) return 'overdue';
  const days = leftMs / DAY_MS;
  if (days < 3) return '0-2';
  if (days < 8) return '3-7';
  if (days < 15) return '8-14';
  if (days < 31) return '15-30';
  return '31+';
}
