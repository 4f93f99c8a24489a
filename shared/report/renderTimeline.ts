import { requestClock } from '../audit/requestClock';
import type { LedgerVerification } from '../audit/verifyLedger';
import type { HolidayList } from '../intake/addPeriod';
import { DEFAULT_DEADLINE_RULES, type DeadlineRule } from '../intake/computeDeadline';
import { lifecycleOf, type RequestState, TERMINAL_STATES } from '../ledger/RequestState';
import type { LedgerRecord } from '../load/readLedger';

/** What each state means on a timeline. */
const EVENT: Readonly<Record<string, string>> = {
  received: 'Received',
  discovering: 'Search started',
  discovered: 'Search finished',
  gated: 'Passed the compliance gate',
  loading: 'Evidence loading',
  loaded: 'Evidence loaded (response ready)',
  retrying: 'Retried after a fault',
  dead_lettered: 'Stopped for an operator (dead letter)',
  quarantined: 'Quarantined for review',
  cancelled: 'Cancelled',
  extended: 'Deadline extended',
  awaiting_approval: 'Erasure plan waiting for approval',
  approved: 'Erasure plan approved',
  erasing: 'Erasing',
  erased: 'Erased (the proof found nothing left)',
  erasure_unverified: 'Erased, NOT verified (the proof still found data)',
  values_erased: 'Evidence values removed by a later erasure',
};

/**
 * The request's record for the controller's file: received, acknowledgement due, each state in
 * the ledger's order (extensions with their reason code and new deadline), the terminal state,
 * whether the deadline was met, and the ledger verification. Codes, times and hashes only.
 */
export function renderTimeline(
  history: readonly LedgerRecord[],
  verification: LedgerVerification,
  options: { rules?: Readonly<Record<string, DeadlineRule>>; holidays?: HolidayList; now?: Date } = {},
): string {
  const entries = [...history].sort((a, b) =>
    a.seq !== null && b.seq !== null ? a.seq - b.seq : Date.parse(a.at) - Date.parse(b.at),
  );
  const clock = requestClock(entries, options.rules ?? DEFAULT_DEADLINE_RULES, options.holidays);
  const out: string[] = ['## Request timeline', '', '| When (UTC) | Event | Detail |', '| --- | --- | --- |'];
  for (const e of entries) {
    const d = e.detail ?? {};
    let detail = `${e.stage}`;
    if (e.state === 'received' && clock)
      detail = `${clock.jurisdiction}; respond by ${clock.receivedDeadline.toISOString()}${clock.rule ? ` (${clock.rule.citation})` : ''}`;
    if (e.state === 'extended')
      detail = `reason: ${String(d.reasonCode)}; respond by ${String(d.deadline)} (was ${String(d.previousDeadline)})`;
    if (e.state === 'cancelled') detail = `reason: ${String(d.reasonCode)}`;
    if (e.state === 'loaded' || e.state === 'discovered')
      detail = `${d.rows ?? '?'} rows${d.evidenceHash ? `, evidence ${String(d.evidenceHash).slice(0, 12)}…` : ''}`;
    if (e.state === 'quarantined' || e.state === 'dead_lettered')
      detail = `${e.stage}: ${String(d.reason ?? d.code ?? '')}`;
    if (e.state === 'awaiting_approval')
      detail = `${d.rowsToChange ?? '?'} rows to change${(d.reasons ?? d.reason) ? `; ${String(d.reasons ?? d.reason)}` : ''}; plan ${short(d.planHash)}`;
    if (e.state === 'approved')
      detail = `by ${String(d.approver ?? '?')} (role ${String(d.approverRole ?? '?')}); plan ${short(d.planHash)}${d.noteSha256 ? `; note sha256 ${short(d.noteSha256)}` : ''}`;
    if ((e.state === 'erased' || e.state === 'erasure_unverified') && d.receiptHash)
      detail = `receipt ${short(d.receiptHash)}`;
    if (e.state === 'values_erased')
      detail = `${d.rows ?? '?'} rows' values removed by erasure request ${String(d.byRequest ?? '?')}`;
    if (e.state === 'erasing' && d.planHash !== undefined && d.checkpoint === undefined)
      detail = `${d.rowsToChange ?? '?'} rows to change; plan ${short(d.planHash)}`;
    let event = EVENT[e.state] ?? e.state;
    if (e.state === 'erasing' && d.checkpoint === 'step') {
      event = 'Erasure step committed';
      detail = `${String(d.system)} ${String(d.table)}: ${String(d.action)} ${String(d.changed)} row(s)${Number(d.alreadyDone) > 0 ? `, ${String(d.alreadyDone)} already done` : ''}`;
    }
    if (e.state === 'erasing' && d.checkpoint === 'replan') {
      event = 'Rows changed: erasure planned again';
      detail = `${d.rowsToChange ?? '?'} rows to change; plan ${short(d.planHash)}`;
    }
    if (e.state === 'erasing' && d.checkpoint === 'copies') {
      event = "dsr-bridge's own copies removed";
      detail = `values of ${String(d.findingRowsCleared)} finding(s) of ${String(d.earlierRequests)} earlier request(s); ${String(d.objectsDeleted)} bucket object(s)`;
    }
    out.push(`| ${e.at} | ${event} | ${detail.replaceAll('|', '\\|')} |`);
  }
  out.push('');
  if (clock) {
    if (clock.acknowledgeBy)
      out.push(
        `- Acknowledgement due by ${clock.acknowledgeBy.toISOString()} (${clock.rule?.citation ?? clock.jurisdiction}); receipt recorded ${entries.find((e) => e.state === 'received')?.at ?? '—'}.`,
      );
    out.push(
      `- Deadline: ${clock.deadline.toISOString()}${clock.extensions.length > 0 ? ' (extended)' : ''}.`,
    );
    const terminal = [...entries].reverse().find((e) => TERMINAL_STATES.has(e.state as RequestState));
    if (terminal && terminal.state !== 'dead_lettered') {
      const met = Date.parse(terminal.at) <= clock.deadline.getTime();
      out.push(`- Terminal state: ${terminal.state} at ${terminal.at}: deadline ${met ? 'met' : 'missed'}.`);
    } else {
      const now = options.now ?? new Date();
      const waiting = lifecycleOf(entries).at(-1)?.state === 'awaiting_approval';
      out.push(
        `- Open${terminal ? ' (dead-lettered, awaiting an operator)' : waiting ? ' (the erasure plan waits for approval: dsr approve)' : ''}: deadline ${now.getTime() <= clock.deadline.getTime() ? 'not yet reached' : 'missed'}.`,
      );
    }
  }
  const breaks = verification.breaks;
  out.push(
    breaks.length === 0
      ? `- Ledger verification: PASS — ${verification.entries} entries, hash chain intact${verification.anchors > 0 ? `, ${verification.anchors} anchor(s) agree` : ''}${verification.unchained > 0 ? `, ${verification.unchained} written before chaining` : ''}.`
      : `- Ledger verification: FAIL — ${breaks.map((b) => b.message).join('; ')}.`,
  );
  return `${out.join('\n')}\n`;
}

function short(hash: unknown): string {
  return typeof hash === 'string' ? `${hash.slice(0, 12)}…` : '?';
}
