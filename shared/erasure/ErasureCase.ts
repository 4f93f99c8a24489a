import { z } from 'zod';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';
import { IntegrityViolationError } from '../errors/IntegrityViolationError';
import type { PayloadPointer, PayloadStore } from '../payload/PayloadStore';
import { erasureCaseKey } from '../payload/PayloadStore';
import { type ErasurePlan, planHashOf } from './ErasurePlan';
import { ERASURE_PROBLEM_CODES, type ErasureProblem } from './ErasureProblem';

const identifiers = z.record(z.string().min(1), z.array(z.string()));

const problemSchema = z.strictObject({
  system: z.enum(['postgres', 'snowflake']),
  table: z.string().min(1),
  column: z.string().optional(),
  code: z.enum(ERASURE_PROBLEM_CODES),
  message: z.string(),
});

const plannedRow = z.strictObject({
  key: z.record(z.string(), z.unknown()),
  rowHash: z.string().regex(/^[0-9a-f]{64}$/),
  restHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

const plannedMask = z.union([
  z.strictObject({ column: z.string().min(1), strategy: z.enum(['null', 'hash', 'random']) }),
  z.strictObject({ column: z.string().min(1), strategy: z.literal('redact'), text: z.string() }),
]);

const plannedTable = z.strictObject({
  system: z.enum(['postgres', 'snowflake']),
  table: z.string().min(1),
  action: z.enum(['delete', 'mask', 'retain', 'none']),
  primaryKey: z.array(z.string()),
  found: z.number().int().min(0),
  excluded: z.number().int().min(0).optional(),
  rows: z.array(plannedRow),
  mask: z.array(plannedMask).optional(),
  retain: z.strictObject({ ground: z.string(), until: z.string().optional() }).optional(),
  approvalRequired: z.boolean(),
  party: z.string().min(1).optional(),
  shared: z
    .strictObject({
      setting: z.enum(['retain', 'erase', 'mask-own']),
      retained: z.array(plannedRow),
      changed: z.number().int().min(0),
      referencedBy: z.record(z.string(), z.number().int().min(0)),
      otherPersons: z.number().int().min(0),
      through: z.number().int().min(0),
    })
    .optional(),
});

/** An erasure plan as it crosses the bucket; its hash is recomputed after parsing. */
export const erasurePlanSchema = z.strictObject({
  version: z.literal(1),
  requestId: z.string().min(1),
  subject: z.strictObject({ hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  findingsHash: z.string(),
  tables: z.array(plannedTable),
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * What the extractor hands the erase stage about one erasure request, through the encrypted payload
 * bucket (never through a queue, never in the ledger): the plan made from its discovery, the
 * problems that keep the plan from running (the gate refuses such a plan), the request's identifiers
 * and every identifier of the subject known before the erasure (the request's and those learned in
 * the found rows): a plan made again starts from the request's, and the proof searches for every one
 * known, so a row reached only through a value learned in a row already erased is still looked for.
 * The erase stage deletes the case once the request has ended.
 */
export const erasureCaseSchema = z.strictObject({
  kind: z.literal('dsr.erasure-case'),
  version: z.literal(1),
  requestId: z.string().min(1),
  subjectHash: z.string().regex(/^[0-9a-f]{64}$/),
  identifiers,
  known: identifiers,
  unfollowed: identifiers.optional(),
  plan: erasurePlanSchema,
  problems: z.array(problemSchema),
});

export interface ErasureCase {
  readonly kind: 'dsr.erasure-case';
  readonly version: 1;
  readonly requestId: string;
  readonly subjectHash: string;
  /** The request's identifiers. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  /** Every identifier known before the erasure: the request's and those learned in the found rows. */
  readonly known: Record<string, string[]>;
  /**
   * Values of learned kinds in the found rows that discovery did not follow (shared with other
   * people): never searched for, only kept out of error text like `known`. Absent when none.
   */
  readonly unfollowed?: Record<string, string[]>;
  readonly plan: ErasurePlan;
  readonly problems: readonly ErasureProblem[];
}

/** What a stage message says about the erasure case it refers to (pointer, hashes, counts; no values). */
export interface ErasureCaseReference {
  readonly case: PayloadPointer & { readonly sha256: string };
  readonly planHash: string;
  /** Rows the plan deletes or masks. */
  readonly rowsToChange: number;
  /** Problems that keep the plan from running: the gate quarantines a request with any. */
  readonly problems: number;
}

/** Writes the case as canonical JSON (exact numbers in row keys survive) and returns its reference. */
export async function putErasureCase(
  store: PayloadStore,
  erasureCase: ErasureCase,
  rowsToChange: number,
): Promise<ErasureCaseReference> {
  const body = canonicalJson(erasureCase as unknown as CanonicalValue);
  const sha256 = sha256Hex(body);
  const pointer = await store.put(erasureCaseKey(erasureCase.requestId), body, {
    kind: 'erasure-case',
    sha256,
  });
  return {
    case: { ...pointer, sha256 },
    planHash: erasureCase.plan.planHash,
    rowsToChange,
    problems: erasureCase.problems.length,
  };
}

/**
 * Reads a case back and checks it before any stage trusts it: present, the SHA-256 the message
 * carries, its schema, the request and subject of the message, and a plan whose recomputed hash is
 * the one the message carries. Anything else is an {@link IntegrityViolationError}.
 */
export async function readErasureCase(
  store: PayloadStore,
  reference: ErasureCaseReference,
  expected: { readonly requestId: string; readonly subjectHash: string },
): Promise<ErasureCase> {
  const stored = await store.get(reference.case);
  if (!stored)
    throw new IntegrityViolationError(
      'payload_checksum_mismatch',
      'the erasure case is missing from the bucket',
    );
  if (sha256Hex(stored.body) !== reference.case.sha256)
    throw new IntegrityViolationError(
      'payload_checksum_mismatch',
      'the erasure case does not match the SHA-256 the message carries',
    );
  let parsed: ErasureCase;
  try {
    // Keys hold canonical values: numbers that fit a double, exact numbers as strings; so plain
    // JSON gives them back as they were, and the plan's recomputed hash below proves it.
    parsed = erasureCaseSchema.parse(JSON.parse(stored.body)) as unknown as ErasureCase;
  } catch {
    throw new IntegrityViolationError('findings_malformed', 'the erasure case does not match its schema');
  }
  if (parsed.requestId !== expected.requestId || parsed.plan.requestId !== expected.requestId)
    throw new IntegrityViolationError('request_id_mismatch', 'the erasure case belongs to another request');
  if (parsed.subjectHash !== expected.subjectHash || parsed.plan.subject.hash !== expected.subjectHash)
    throw new IntegrityViolationError('subject_hash_mismatch', 'the erasure case belongs to another subject');
  checkedPlan(parsed.plan, reference.planHash);
  return parsed;
}

/**
 * A plan read back from the bucket (the case's, or one made again since): its schema, and a
 * recomputed hash equal to the one it carries and to `expectedHash` (what the message or the ledger
 * names). Anything else is an {@link IntegrityViolationError}.
 */
export function checkedPlan(raw: unknown, expectedHash: string): ErasurePlan {
  const parsed = erasurePlanSchema.safeParse(raw);
  if (!parsed.success)
    throw new IntegrityViolationError('findings_malformed', 'an erasure plan does not match its schema');
  const plan = parsed.data as unknown as ErasurePlan;
  if (planHashOf(plan) !== plan.planHash || plan.planHash !== expectedHash)
    throw new IntegrityViolationError('evidence_hash_mismatch', 'an erasure plan does not match its hash');
  return plan;
}
