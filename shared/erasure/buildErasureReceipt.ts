import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';
import type { System } from '../datamap/System';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureStep } from './ErasureStep';
import type { ErasureVerification, Remaining } from './verifyErasure';

/** Snowflake's Fail-safe after Time Travel, for permanent tables; transient tables have none. */
export const SNOWFLAKE_FAIL_SAFE_DAYS = 7;

/** How long erased data can still be recovered, per system, from the account and the operator. */
export interface RetentionFacts {
  /** Days the operator keeps PostgreSQL backups (and WAL archives); undefined when not configured. */
  readonly postgresBackupRetentionDays?: number;
  /** Per Snowflake table: `DATA_RETENTION_TIME_IN_DAYS` (Time Travel) and whether it is transient. */
  readonly snowflake?: Readonly<
    Record<string, { readonly retentionDays: number; readonly transient: boolean }>
  >;
}

export interface ReceiptTable {
  readonly system: System;
  readonly table: string;
  readonly action: 'delete' | 'mask' | 'retain' | 'none';
  readonly found: number;
  readonly excluded: number;
  readonly deleted: number;
  readonly masked: number;
  readonly maskedColumns: readonly string[];
  readonly retained: number;
  readonly ground: string | null;
  readonly until: string | null;
  /** Rows about the subject found by the proof (retained rows included). */
  readonly remaining: number;
  /** Days after the erasure until the erased data can no longer be restored; null when unknown or not erased. */
  readonly unrecoverableAfterDays: number | null;
  readonly unrecoverableBasis: string;
  /** The plan entry's party: a step that masked only that party's columns of shared rows. */
  readonly party?: string;
  /** Rows shared with other people and what was done with them (counts only; see `PlannedShared`). */
  readonly shared?: {
    readonly setting: 'retain' | 'erase' | 'mask-own';
    /** Shared rows left as they are (also counted in `retained`). */
    readonly retained: number;
    readonly changed: number;
    readonly otherPersons: number;
    readonly referencedBy: Readonly<Record<string, number>>;
  };
}

/**
 * The copies dsr-bridge itself held of the subject, removed with the erasure: the row values of the
 * evidence of earlier requests of the same subject hash, and their objects in the payload bucket.
 * The request's own working objects (findings parts, erasure case) are deleted once the receipt is
 * stored.
 */
export interface OwnCopiesRemoved {
  readonly earlierRequests: number;
  readonly findingRowsCleared: number;
  readonly objectsDeleted: number;
}

/** The erasure confirmation: what was done per table, the proof's outcome, and its hash. */
export interface ErasureReceipt {
  readonly version: 1;
  readonly requestId: string;
  readonly subject: { readonly hash: string };
  readonly planHash: string;
  readonly findingsHash: string;
  readonly outcome: ErasureVerification['outcome'];
  readonly completedAt: string;
  readonly tables: readonly ReceiptTable[];
  readonly remaining: readonly Remaining[];
  /** Present when the erasure ran in the pipeline, which holds copies of its own. */
  readonly ownCopies?: OwnCopiesRemoved;
  /**
   * SHA-256 of the canonical JSON of everything above but `completedAt` (see {@link receiptHashOf}):
   * like the evidence hash, the same erasure of the same data gives the same hash; when it
   * completed is in the ledger, whose chain holds the hash.
   */
  readonly receiptHash: string;
}

/**
 * Builds the receipt from the plan, the steps executed (every run's, a redelivery's included), the
 * proof and the retention facts. Counts come from the plan and the proof, not from one run's row
 * counts, so a redelivered erasure yields the same receipt. Holds no row values: tables, counts,
 * hashes, grounds.
 */
export function buildErasureReceipt(input: {
  readonly plan: ErasurePlan;
  readonly steps: readonly ErasureStep[];
  readonly verification: ErasureVerification;
  readonly retention: RetentionFacts;
  /** ISO-8601, from the caller's clock. */
  readonly completedAt: string;
  readonly ownCopies?: OwnCopiesRemoved;
}): ErasureReceipt {
  const { plan, verification, retention } = input;
  const tables = plan.tables.map((t): ReceiptTable => {
    const id = `${t.system}:${t.table}`;
    const done = input.steps.filter(
      (s) => s.system === t.system && s.table === t.table && s.party === t.party,
    );
    const erased = erasedBy(done);
    return {
      system: t.system,
      table: t.table,
      action: t.action,
      found: t.found,
      excluded: t.excluded ?? 0,
      deleted: t.action === 'delete' ? erased : 0,
      masked: t.action === 'mask' ? erased : 0,
      maskedColumns: (t.mask ?? []).map((m) => m.column),
      // Rows a foreign key's pair showed to be other people's (`excluded`) are not the subject's retained rows.
      retained: t.action === 'retain' ? t.found - (t.excluded ?? 0) : (t.shared?.retained.length ?? 0),
      ground: t.retain?.ground ?? null,
      until: t.retain?.until ?? null,
      remaining: verification.refound[id] ?? 0,
      ...unrecoverable(t.system, t.table, t.action, retention),
      ...(t.party ? { party: t.party } : {}),
      ...(t.shared
        ? {
            shared: {
              setting: t.shared.setting,
              retained: t.shared.retained.length,
              changed: t.shared.changed,
              otherPersons: t.shared.otherPersons,
              referencedBy: t.shared.referencedBy,
            },
          }
        : {}),
    };
  });
  const receipt = {
    version: 1 as const,
    requestId: plan.requestId,
    subject: { hash: plan.subject.hash },
    planHash: plan.planHash,
    findingsHash: plan.findingsHash,
    outcome: verification.outcome,
    completedAt: input.completedAt,
    tables,
    remaining: verification.remaining,
    ...(input.ownCopies ? { ownCopies: input.ownCopies } : {}),
  };
  return { ...receipt, receiptHash: receiptHashOf(receipt) };
}

/**
 * Rows a table entry's steps erased (changed or found already done). A step run again (a
 * redelivery) repeats its count, so the largest counts; steps of batches (see `erasureUnits`) add
 * up per batch size, each batch counted once, and the largest of those sums counts (a batch size
 * changed between two invocations gives two sets of batches over the same rows).
 */
function erasedBy(steps: readonly ErasureStep[]): number {
  const bySize = new Map<number, Map<number, number>>();
  for (const s of steps) {
    const size = s.batchRows ?? 0;
    const batch = s.batch ?? 0;
    const batches = bySize.get(size) ?? new Map<number, number>();
    batches.set(batch, Math.max(batches.get(batch) ?? 0, s.changed + s.alreadyDone));
    bySize.set(size, batches);
  }
  let erased = 0;
  for (const batches of bySize.values())
    erased = Math.max(
      erased,
      [...batches.values()].reduce((a, b) => a + b, 0),
    );
  return erased;
}

/** The hash of a receipt's content without its completion time; a stored receipt is checked with it. */
export function receiptHashOf(receipt: Omit<ErasureReceipt, 'receiptHash'> | ErasureReceipt): string {
  const { completedAt: _time, ...content } = receipt as ErasureReceipt;
  const { receiptHash: _hash, ...hashed } = content as Partial<ErasureReceipt>;
  return sha256Hex(canonicalJson(hashed as unknown as CanonicalValue));
}

function unrecoverable(
  system: System,
  table: string,
  action: ReceiptTable['action'],
  retention: RetentionFacts,
): { unrecoverableAfterDays: number | null; unrecoverableBasis: string } {
  if (action === 'retain' || action === 'none')
    return {
      unrecoverableAfterDays: null,
      unrecoverableBasis: action === 'retain' ? 'retained' : 'not erased: no erasure rule',
    };
  if (system === 'postgres') {
    const days = retention.postgresBackupRetentionDays;
    return days === undefined
      ? { unrecoverableAfterDays: null, unrecoverableBasis: 'PostgreSQL backup retention not configured' }
      : { unrecoverableAfterDays: days, unrecoverableBasis: `PostgreSQL backups kept ${days} days` };
  }
  const facts = retention.snowflake?.[table];
  if (!facts) return { unrecoverableAfterDays: null, unrecoverableBasis: 'Snowflake retention not read' };
  const failSafe = facts.transient ? 0 : SNOWFLAKE_FAIL_SAFE_DAYS;
  return {
    unrecoverableAfterDays: facts.retentionDays + failSafe,
    unrecoverableBasis: `Time Travel ${facts.retentionDays} days + Fail-safe ${failSafe} days${facts.transient ? ' (transient table)' : ''}`,
  };
}
