import type { Logger } from '@aws-lambda-powertools/logger';
import type { PagerDutyClient } from '../alerting/PagerDutyClient';
import { type ErasureProblem, formatErasureProblems } from '../erasure/ErasureProblem';
import type { IntegrityViolationError } from '../errors/IntegrityViolationError';
import type { RequestState } from '../ledger/RequestState';
import type { PayloadStore } from '../payload/PayloadStore';
import { quarantineKey } from '../payload/PayloadStore';
import type { ComplianceMetrics } from '../telemetry/ComplianceMetrics';
import { logFields, type RecordContext } from './RecordContext';
import type { RequestLedger } from './RequestLedger';

/** Why a request is stopped: a drift verdict of the gate, or a hand-off that does not check out. */
export interface QuarantineReason {
  /** e.g. `column_added`, `evidence_hash_mismatch`: the metric's `driftType` and the page's kind. */
  readonly kind: string;
  /** e.g. `schema_drift`, `data_corruption`, `integrity`. */
  readonly errorCategory: string;
  /** One line for the page; ids, codes and numbers only. */
  readonly summary: string;
  /** Codes and numbers for the object's metadata, the page and the ledger entry. */
  readonly detail: Readonly<Record<string, string | number>>;
  /** What is kept in the quarantined object besides the message (e.g. the drift verdict). */
  readonly evidence?: unknown;
}

export interface QuarantineDeps {
  readonly stage: string;
  readonly payloads: PayloadStore;
  readonly metrics: Pick<ComplianceMetrics, 'gateViolation'>;
  /** Absent where the stage has no routing key: the ComplianceGateViolation alarm pages instead. */
  readonly pagerDuty?: Pick<PagerDutyClient, 'trigger'>;
  readonly ledger: RequestLedger;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * A stage's quarantine dependencies: its name, bucket, logger, metrics and pager (from the stage's
 * deps), with the request ledger and clock the stage made.
 */
export function quarantineDepsOf(
  deps: Pick<QuarantineDeps, 'stage' | 'payloads' | 'metrics' | 'pagerDuty' | 'logger'>,
  ledger: RequestLedger,
  now: () => Date,
): QuarantineDeps {
  return {
    stage: deps.stage,
    payloads: deps.payloads,
    metrics: deps.metrics,
    pagerDuty: deps.pagerDuty,
    ledger,
    logger: deps.logger,
    now,
  };
}

/**
 * Stops a request: the message goes to `quarantine/YYYY/MM/DD/<requestId>.json` in the encrypted
 * bucket, PagerDuty gets a trigger whose dedup key is stable for (request, kind), the
 * `ComplianceGateViolation` metric is emitted, and the ledger says `quarantined` with the reason.
 * Nothing is sent on. Each step is idempotent, so a retry after a failure part-way repeats safely.
 */
export async function quarantineRequest(
  deps: QuarantineDeps,
  request: { readonly requestId: string; readonly subjectHash: string; readonly body: string },
  reason: QuarantineReason,
  context: RecordContext,
  last: RequestState | undefined,
): Promise<void> {
  const at = deps.now();
  let message: unknown;
  try {
    message = JSON.parse(request.body);
  } catch {
    message = request.body;
  }
  const pointer = await deps.payloads.put(
    quarantineKey(request.requestId, at),
    JSON.stringify({
      reason: { kind: reason.kind, errorCategory: reason.errorCategory, ...reason.detail },
      ...(reason.evidence !== undefined ? { verdict: reason.evidence } : {}),
      message,
      stage: deps.stage,
      traceId: context.traceId,
      at: at.toISOString(),
    }),
    {
      'request-id': request.requestId,
      'subject-hash': request.subjectHash,
      'trace-id': context.traceId,
      'drift-type': reason.kind,
      'error-category': reason.errorCategory,
      ...Object.fromEntries(Object.entries(reason.detail).map(([k, v]) => [kebab(k), String(v)])),
      stage: deps.stage,
    },
  );
  await deps.pagerDuty?.trigger({
    requestId: request.requestId,
    kind: reason.kind,
    summary: reason.summary,
    customDetails: {
      errorCategory: reason.errorCategory,
      ...reason.detail,
      subjectHash: request.subjectHash,
      traceId: context.traceId,
      quarantineKey: pointer.key,
      stage: deps.stage,
    },
  });
  deps.metrics.gateViolation({
    driftType: reason.kind,
    errorCategory: reason.errorCategory,
    requestId: request.requestId,
    subjectHash: request.subjectHash,
  });
  await deps.ledger.transition(request.requestId, context.traceId, last, 'quarantined', {
    driftType: reason.kind,
    errorCategory: reason.errorCategory,
    ...reason.detail,
  });
  deps.logger.error(
    reason.errorCategory === 'integrity'
      ? 'quarantined: hand-off integrity'
      : 'quarantined by the compliance gate',
    {
      ...logFields(deps.stage, context),
      driftType: reason.kind,
      errorCategory: reason.errorCategory,
      ...reason.detail,
      quarantineKey: pointer.key,
    },
  );
}

/** Quarantines a request whose hand-off failed `verifyFindingsHandOff`: error category `integrity`. */
export function quarantineIntegrity(
  deps: QuarantineDeps,
  message: { readonly requestId: string; readonly subjectHash: string },
  body: string,
  violation: IntegrityViolationError,
  context: RecordContext,
  last: RequestState | undefined,
  /** More codes and counts for the ledger entry, e.g. how many parts had landed. */
  detail: Readonly<Record<string, string | number>> = {},
): Promise<void> {
  return quarantineRequest(
    deps,
    { requestId: message.requestId, subjectHash: message.subjectHash, body },
    {
      kind: violation.reason,
      errorCategory: 'integrity',
      summary: `dsr-bridge: request ${message.requestId} quarantined at ${deps.stage}: its hand-off failed the integrity check (${violation.reason})`,
      detail: { ...detail, violation: violation.reason },
    },
    context,
    last,
  );
}

/**
 * Quarantines an erasure whose plan cannot run (a cascade to rows discovery did not find, a mask the
 * catalog refuses…): error category `erasure_plan`, the problems kept with the message — tables,
 * columns and codes, for a person to fix the data map (or the data) and resubmit.
 */
export function quarantineRefusedPlan(
  deps: QuarantineDeps,
  message: { readonly requestId: string; readonly subjectHash: string },
  body: string,
  refused: { readonly problems: readonly ErasureProblem[]; readonly planHash: string },
  context: RecordContext,
  last: RequestState | undefined,
): Promise<void> {
  const { problems, planHash } = refused;
  return quarantineRequest(
    deps,
    { requestId: message.requestId, subjectHash: message.subjectHash, body },
    {
      kind: 'erasure_plan_refused',
      errorCategory: 'erasure_plan',
      summary: `dsr-bridge: erasure ${message.requestId} quarantined at ${deps.stage}: its plan cannot run (${problems.map((p) => p.code).join(', ')})`,
      detail: { problems: problems.length, planHash },
      evidence: { problems, text: formatErasureProblems(problems) },
    },
    context,
    last,
  );
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
