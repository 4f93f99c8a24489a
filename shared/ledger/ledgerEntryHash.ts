import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';

/** The `prevHash` of a request's first chained entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What the hash of a ledger entry covers: every column but the hash itself. */
export interface HashedLedgerEntry {
  readonly requestId: string;
  readonly state: string;
  readonly stage: string;
  /** {@link canonicalLedgerTime}: UTC, six fractional digits, `Z` — as the ledger reads it back. */
  readonly at: string;
  readonly traceId: string | null;
  readonly detail: CanonicalObject | null;
  /** Position in the request's chain, from 0. */
  readonly seq: number;
  readonly prevHash: string;
}

/**
 * A time in the one form the hash covers: `2026-01-02T00:00:01.000000Z`, the form `DSR_LEDGER`
 * returns for `EVENT_TIME` (written with millisecond precision).
 */
export function canonicalLedgerTime(at: Date | string): string {
  const time = at instanceof Date ? at : new Date(at);
  return `${time.toISOString().slice(0, -1)}000Z`;
}

/**
 * SHA-256 (hex) of the entry's canonical JSON (sorted keys, exact numbers):
 * `{"at","detail","prevHash","requestId","seq","stage","state","traceId"}`. An absent trace id or
 * detail is `null`. Same entry, same hash, on any machine.
 */
export function ledgerEntryHash(entry: HashedLedgerEntry): string {
  return sha256Hex(
    canonicalJson({
      at: entry.at,
      detail: entry.detail,
      prevHash: entry.prevHash,
      requestId: entry.requestId,
      seq: entry.seq,
      stage: entry.stage,
      state: entry.state,
      traceId: entry.traceId,
    } as CanonicalValue),
  );
}
