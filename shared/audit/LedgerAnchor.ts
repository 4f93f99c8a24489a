import { z } from 'zod';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';

/** One request's latest chained entry when the anchor was taken. */
export interface AnchorHead {
  readonly requestId: string;
  readonly seq: number;
  readonly entryHash: string;
}

/**
 * A daily anchor: every request's latest entry hash, sorted by request id, hashed into one root,
 * and the root of the anchor before it. Written once to a store nobody can rewrite (S3 Object Lock
 * in compliance mode); `dsr verify` checks the ledger still holds every head it names.
 */
export interface LedgerAnchor {
  readonly version: 1;
  /** The UTC day anchored, `YYYY-MM-DD`. */
  readonly date: string;
  /** Entries written before this instant are covered (ISO-8601). */
  readonly cutoff: string;
  /** The root of the previous anchor; {@link GENESIS_ROOT} for the first. */
  readonly prevRoot: string;
  readonly requests: readonly AnchorHead[];
  /** {@link anchorRoot} of the fields above. */
  readonly root: string;
}

export const GENESIS_ROOT = '0'.repeat(64);

export const ledgerAnchorSchema = z.strictObject({
  version: z.literal(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  cutoff: z.string(),
  prevRoot: z.string().regex(/^[0-9a-f]{64}$/),
  requests: z.array(
    z.strictObject({
      requestId: z.string().min(1),
      seq: z.number().int().min(0),
      entryHash: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  root: z.string().regex(/^[0-9a-f]{64}$/),
});

/** SHA-256 of the canonical JSON of the anchor without its root. */
export function anchorRoot(anchor: Omit<LedgerAnchor, 'root'>): string {
  return sha256Hex(
    canonicalJson({
      cutoff: anchor.cutoff,
      date: anchor.date,
      prevRoot: anchor.prevRoot,
      requests: [...anchor.requests]
        .sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0))
        .map((h) => ({ entryHash: h.entryHash, requestId: h.requestId, seq: h.seq })),
      version: anchor.version,
    } as unknown as CanonicalValue),
  );
}

/** Builds the anchor of `date` from the heads read at `cutoff`. */
export function buildLedgerAnchor(
  date: string,
  cutoff: Date,
  heads: readonly AnchorHead[],
  prevRoot: string = GENESIS_ROOT,
): LedgerAnchor {
  const requests = [...heads].sort((a, b) =>
    a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0,
  );
  const body = { version: 1 as const, date, cutoff: cutoff.toISOString(), prevRoot, requests };
  return { ...body, root: anchorRoot(body) };
}

/** Where anchors are kept: written once, never replaced. */
export interface AnchorStore {
  /** Writes the anchor of its date; refuses (throws) when one exists for that date. */
  put(anchor: LedgerAnchor): Promise<void>;
  /** The stored text of each anchor, by date, oldest first. */
  list(): Promise<readonly { readonly date: string; readonly text: string }[]>;
}
