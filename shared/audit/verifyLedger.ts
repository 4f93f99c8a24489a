import { GENESIS_HASH, ledgerEntryHash } from '../ledger/ledgerEntryHash';
import type { LedgerRecord } from '../load/readLedger';
import { anchorRoot, GENESIS_ROOT, type LedgerAnchor, ledgerAnchorSchema } from './LedgerAnchor';

/** One finding of the verification, naming the request and the chain position. */
export interface LedgerBreak {
  readonly kind: 'changed' | 'removed' | 'inserted' | 'relinked' | 'anchor_mismatch' | 'anchor_rewritten';
  readonly requestId?: string;
  /** Chain position (`SEQ`) concerned. */
  readonly position?: number;
  /** The anchor's date, for anchor findings. */
  readonly anchor?: string;
  readonly message: string;
}

export interface LedgerVerification {
  readonly requests: number;
  readonly entries: number;
  /** Entries written before chaining was enabled: reported, not a break (nothing to check them by). */
  readonly unchained: number;
  readonly anchors: number;
  readonly breaks: readonly LedgerBreak[];
}

/**
 * Recomputes every request's hash chain and checks every anchor against it.
 *
 * Chain (per request, by `SEQ`): each entry's hash must recompute from its columns (else
 * `changed`); positions run 0, 1, 2… without gap (a gap is `removed`) or repeat (`inserted`); each
 * `PREV_HASH` is the hash of the entry before it, the first's {@link GENESIS_HASH} (else
 * `relinked`: an entry before it was replaced with its hash recomputed). Unchained entries are
 * counted; one written after the chain began is `inserted` (the pipeline writes none).
 *
 * Anchors (by date): each must parse and its root recompute, and link to the anchor before it
 * (else `anchor_rewritten`); each head it names must still be in the ledger at its position with its
 * hash (else `anchor_mismatch`: the tail of that request was changed or removed after anchoring).
 * With `requestIds`, anchors are checked for those requests only.
 */
export function verifyLedger(
  records: readonly LedgerRecord[],
  anchors: readonly { readonly date: string; readonly text: string }[] = [],
  requestIds?: ReadonlySet<string>,
): LedgerVerification {
  const breaks: LedgerBreak[] = [];
  const byRequest = new Map<string, LedgerRecord[]>();
  for (const r of records) byRequest.set(r.requestId, [...(byRequest.get(r.requestId) ?? []), r]);
  let unchained = 0;
  const hashes = new Map<string, Map<number, string>>();

  for (const [requestId, entries] of [...byRequest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const chained = entries
      .filter((e) => e.seq !== null)
      .sort((a, b) => (a.seq as number) - (b.seq as number));
    const loose = entries.filter((e) => e.seq === null);
    unchained += loose.length;
    const firstChained = chained[0];
    for (const e of loose)
      if (firstChained && Date.parse(e.at) > Date.parse(firstChained.at))
        breaks.push({
          kind: 'inserted',
          requestId,
          message: `request ${requestId}: an unchained entry (${e.state}, ${e.stage}, ${e.at}) was written after the chain began`,
        });
    const positions = new Map<number, string>();
    hashes.set(requestId, positions);
    let expected = 0;
    let prev: LedgerRecord | undefined;
    for (const e of chained) {
      const seq = e.seq as number;
      if (seq === prev?.seq) {
        breaks.push({
          kind: 'inserted',
          requestId,
          position: seq,
          message: `request ${requestId}: position ${seq} is held by more than one entry`,
        });
        continue;
      }
      if (seq > expected)
        breaks.push({
          kind: 'removed',
          requestId,
          position: expected,
          message: `request ${requestId}: ${seq - expected === 1 ? `position ${expected} is` : `positions ${expected}–${seq - 1} are`} missing`,
        });
      const recomputed = ledgerEntryHash({
        requestId: e.requestId,
        state: e.state,
        stage: e.stage,
        at: e.at,
        traceId: e.traceId,
        detail: e.detail,
        seq,
        prevHash: e.prevHash ?? '',
      });
      if (recomputed !== e.entryHash)
        breaks.push({
          kind: 'changed',
          requestId,
          position: seq,
          message: `request ${requestId}: the entry at position ${seq} (${e.state}) does not match its hash`,
        });
      else if (seq === expected && e.prevHash !== (seq === 0 ? GENESIS_HASH : prev?.entryHash))
        breaks.push({
          kind: 'relinked',
          requestId,
          position: seq,
          message: `request ${requestId}: the entry at position ${seq} does not follow the one before it (changed, inserted or removed before it)`,
        });
      if (e.entryHash) positions.set(seq, e.entryHash);
      expected = seq + 1;
      prev = e;
    }
  }

  let prevRoot = GENESIS_ROOT;
  let checkedAnchors = 0;
  for (const { date, text } of [...anchors].sort((a, b) => (a.date < b.date ? -1 : 1))) {
    checkedAnchors++;
    let anchor: LedgerAnchor;
    try {
      anchor = ledgerAnchorSchema.parse(JSON.parse(text));
    } catch {
      breaks.push({
        kind: 'anchor_rewritten',
        anchor: date,
        message: `anchor ${date}: not a valid anchor document`,
      });
      continue;
    }
    if (anchor.date !== date || anchorRoot(anchor) !== anchor.root)
      breaks.push({
        kind: 'anchor_rewritten',
        anchor: date,
        message: `anchor ${date}: its root does not match its contents`,
      });
    else if (anchor.prevRoot !== prevRoot)
      breaks.push({
        kind: 'anchor_rewritten',
        anchor: date,
        message: `anchor ${date}: does not follow the anchor before it`,
      });
    prevRoot = anchor.root;
    for (const head of anchor.requests) {
      if (requestIds && !requestIds.has(head.requestId)) continue;
      const held = hashes.get(head.requestId)?.get(head.seq);
      if (held !== head.entryHash)
        breaks.push({
          kind: 'anchor_mismatch',
          requestId: head.requestId,
          position: head.seq,
          anchor: date,
          message: `request ${head.requestId}: position ${head.seq} ${held === undefined ? 'is missing' : 'differs'} from the anchor of ${date}`,
        });
    }
  }
  return { requests: byRequest.size, entries: records.length, unchained, anchors: checkedAnchors, breaks };
}
