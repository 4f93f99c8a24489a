import type { HolidayList } from '../intake/addPeriod';
import { addPeriod, sumPeriods } from '../intake/addPeriod';
import {
  computeAcknowledgementDeadline,
  DEFAULT_DEADLINE_RULES,
  type DeadlineRule,
  ruleFor,
} from '../intake/computeDeadline';
import type { Period } from '../intake/jurisdictions';

/** The entries the clock is read from (a ledger entry or a record read back). */
export interface ClockEntry {
  readonly state: string;
  readonly at: string | Date;
  readonly detail?: Readonly<Record<string, unknown>> | null;
}

/** A request's statutory clock as its ledger tells it. */
export interface RequestClock {
  readonly jurisdiction: string;
  readonly receivedAt: Date;
  /** The deadline at receipt (given by the intake system or computed). */
  readonly receivedDeadline: Date;
  /** The latest acknowledgement, where the jurisdiction asks for one. */
  readonly acknowledgeBy?: Date;
  /** Recorded extensions, oldest first. */
  readonly extensions: readonly { readonly at: Date; readonly deadline: Date; readonly reasonCode: string }[];
  /** The deadline now: the received one, moved by the latest extension. */
  readonly deadline: Date;
  /** From receipt to `deadline`, in milliseconds. */
  readonly periodMs: number;
  readonly rule?: DeadlineRule;
}

/**
 * The clock of a request from its ledger entries: `received` carries jurisdiction, receipt and
 * deadline; each `extended` entry the deadline it moved to. Undefined when the ledger has no
 * `received` entry with those details (a request not received here yet).
 */
export function requestClock(
  history: readonly ClockEntry[],
  rules: Readonly<Record<string, DeadlineRule>> = DEFAULT_DEADLINE_RULES,
  holidays?: HolidayList,
): RequestClock | undefined {
  const received = history.find((e) => e.state === 'received' && e.detail?.deadline !== undefined);
  const detail = received?.detail;
  if (!detail) return undefined;
  const jurisdiction = String(detail.jurisdiction ?? '');
  const receivedAt = new Date(String(detail.receivedAt ?? received.at));
  const receivedDeadline = new Date(String(detail.deadline));
  const rule = ruleFor(jurisdiction, rules);
  const extensions = history
    .filter((e) => e.state === 'extended' && e.detail?.deadline !== undefined)
    .map((e) => ({
      at: new Date(e.at),
      deadline: new Date(String(e.detail?.deadline)),
      reasonCode: String(e.detail?.reasonCode ?? ''),
    }));
  const deadline = extensions.at(-1)?.deadline ?? receivedDeadline;
  const acknowledgeBy = rule ? computeAcknowledgementDeadline(receivedAt, rule, holidays) : undefined;
  return {
    jurisdiction,
    receivedAt,
    receivedDeadline,
    ...(acknowledgeBy ? { acknowledgeBy } : {}),
    extensions,
    deadline,
    periodMs: deadline.getTime() - receivedAt.getTime(),
    ...(rule ? { rule } : {}),
  };
}

/**
 * The deadline after one extension. A computed deadline is re-counted from receipt over the whole
 * period (one month + two months = three months from the day received, clamped once at a month's
 * end); a deadline the intake system gave is moved by the extension's length.
 */
export function extendedDeadline(
  clock: RequestClock,
  rule: DeadlineRule,
  computed: boolean,
): Date | undefined {
  const extension = rule.extension;
  if (!extension) return undefined;
  const whole: Period | undefined = computed ? sumPeriods(rule.response, extension.length) : undefined;
  return whole ? addPeriod(clock.receivedAt, whole) : addPeriod(clock.receivedDeadline, extension.length);
}
