import type { LedgerVerification } from '../../audit/verifyLedger';
import type { LedgerRecord } from '../../load/readLedger';
import type { Wording } from './Wording';

/** The request's ledger history and its verification, for the package's appendix. */
export interface PackageTimeline {
  readonly history: readonly LedgerRecord[];
  readonly verification: LedgerVerification;
}

/** The appendix's timeline: each ledger entry's time, state and stage (codes only), and the verdict. */
export function timelineView(timeline: PackageTimeline | undefined, wording: Wording) {
  if (!timeline) return undefined;
  const entries = [...timeline.history]
    .sort((a, b) => (a.seq !== null && b.seq !== null ? a.seq - b.seq : Date.parse(a.at) - Date.parse(b.at)))
    .map((e) => ({ at: e.at, state: e.state, stage: e.stage }));
  const { breaks, entries: count } = timeline.verification;
  return {
    entries,
    pass: breaks.length === 0,
    verdict:
      breaks.length === 0
        ? wording.t('appendix.ledgerPass', { entries: count })
        : wording.t('appendix.ledgerFail', { breaks: breaks.map((b) => b.message).join('; ') }),
  };
}
