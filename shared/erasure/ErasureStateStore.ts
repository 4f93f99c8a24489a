import { z } from 'zod';
import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { parseExactJson } from '../canonical/parseExactJson';
import { evidenceHash, type Finding, type FindingsDocument } from '../discovery/FindingsDocument';
import { IntegrityViolationError } from '../errors/IntegrityViolationError';
import { checkedPlan, erasurePlanSchema } from './ErasureCase';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureStep } from './ErasureStep';
import { reviveFindings } from './reviveFindings';

/**
 * An erasure between its plan and its proof, persisted before the first commit: the plan with every
 * key it erases in both systems (the Snowflake keys included, which cannot be learned again once
 * the PostgreSQL rows that led to them are gone), the findings it was made from, every identifier
 * known before the erasure (the proof searches for them), and the steps done so far. A re-run of the
 * same request resumes it instead of discovering again. Holds personal data: kept owner-only, and
 * replaced by an {@link ErasureRecord} once the request is erased.
 */
export interface ErasureInProgress {
  readonly kind: 'dsr.erasure-state';
  readonly version: 1;
  readonly phase: 'in_progress';
  readonly requestId: string;
  readonly subjectHash: string;
  readonly plan: ErasurePlan;
  readonly findings: FindingsDocument;
  readonly known: Record<string, string[]>;
  readonly steps: readonly ErasureStep[];
}

/**
 * A request's erasure once it is `erased`: its receipt of record (the first complete one) and where
 * it was written. No identifier, key or row value.
 */
export interface ErasureRecord {
  readonly kind: 'dsr.erasure-state';
  readonly version: 1;
  readonly phase: 'erased';
  readonly requestId: string;
  readonly subjectHash: string;
  readonly planHash: string;
  readonly receiptHash: string;
  /** The receipt's canonical JSON, byte for byte as it was first written. */
  readonly receipt: string;
  /** Where the receipt was written when it was made (`--out`), if anywhere. */
  readonly writtenTo?: string;
}

export type ErasureState = ErasureInProgress | ErasureRecord;

/** Where a request's erasure state is kept between runs (the command line keeps it in a file). */
export interface ErasureStateStore {
  read(requestId: string): Promise<ErasureState | undefined>;
  /** Replaces the request's state; durable when it returns. */
  write(state: ErasureState): Promise<void>;
  /** Where the state of a request is kept, for messages. */
  locationOf(requestId: string): string;
}

/** One committed table step as stored (see {@link ErasureStep}). */
export const erasureStepSchema = z.strictObject({
  system: z.enum(['postgres', 'snowflake']),
  table: z.string().min(1),
  action: z.enum(['delete', 'mask']),
  planned: z.number().int().min(0),
  changed: z.number().int().min(0),
  alreadyDone: z.number().int().min(0),
  party: z.string().min(1).optional(),
});
const hash = z.string().regex(/^[0-9a-f]{64}$/);
const identifiers = z.record(z.string().min(1), z.array(z.string()));

const inProgress = z.strictObject({
  kind: z.literal('dsr.erasure-state'),
  version: z.literal(1),
  phase: z.literal('in_progress'),
  requestId: z.string().min(1),
  subjectHash: hash,
  plan: erasurePlanSchema,
  findings: z.object({
    requestId: z.string().min(1),
    subject: z.object({ hash }),
    findings: z.array(z.unknown()),
    counts: z.record(z.string(), z.record(z.string(), z.number().int().min(0))),
    evidenceHash: z.string(),
  }),
  known: identifiers,
  steps: z.array(erasureStepSchema),
});

const record = z.strictObject({
  kind: z.literal('dsr.erasure-state'),
  version: z.literal(1),
  phase: z.literal('erased'),
  requestId: z.string().min(1),
  subjectHash: hash,
  planHash: hash,
  receiptHash: hash,
  receipt: z.string().min(2),
  writtenTo: z.string().optional(),
});

/** The canonical JSON a state is stored as (exact numbers in keys and rows survive). */
export function erasureStateText(state: ErasureState): string {
  if (state.phase === 'erased') return `${canonicalJson(state as unknown as CanonicalValue)}\n`;
  const { unreadable: _notKept, ...findings } = state.findings;
  return `${canonicalJson({ ...state, findings } as unknown as CanonicalValue)}\n`;
}

/**
 * Reads a stored state back: its schema, the request it is stored under, and a plan whose
 * recomputed hash is the one it carries, findings whose recomputed evidence hash is theirs and the
 * plan's. Anything else is an {@link IntegrityViolationError}: a
 * damaged state is never resumed (nor silently replaced by a fresh discovery).
 */
export function parseErasureState(text: string, requestId: string): ErasureState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new IntegrityViolationError('findings_malformed', 'the erasure state is not JSON');
  }
  const asRecord = record.safeParse(raw);
  if (asRecord.success) {
    if (asRecord.data.requestId !== requestId)
      throw new IntegrityViolationError(
        'request_id_mismatch',
        'the erasure state belongs to another request',
      );
    return asRecord.data as ErasureRecord;
  }
  const parsed = inProgress.safeParse(raw);
  if (!parsed.success)
    throw new IntegrityViolationError('findings_malformed', 'the erasure state does not match its schema');
  const state = parsed.data;
  if (state.requestId !== requestId || state.plan.requestId !== requestId)
    throw new IntegrityViolationError('request_id_mismatch', 'the erasure state belongs to another request');
  const plan = checkedPlan(state.plan, state.plan.planHash);
  // Row values with their exact digits, as discovery gave them (see reviveFindings).
  const exact = parseExactJson(text) as CanonicalObject;
  const exactFindings = (exact.findings as CanonicalObject).findings as unknown as Finding[];
  const findings = reviveFindings(exactFindings);
  if (
    evidenceHash(findings) !== state.findings.evidenceHash ||
    plan.findingsHash !== state.findings.evidenceHash
  )
    throw new IntegrityViolationError(
      'evidence_hash_mismatch',
      'the erasure state’s findings do not match their hash or the plan',
    );
  return {
    ...(state as unknown as ErasureInProgress),
    plan,
    findings: { ...(state.findings as unknown as FindingsDocument), findings },
  };
}
