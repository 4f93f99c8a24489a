import type { PagerDutyClient } from '../../alerting/PagerDutyClient';
import { readActionMessage } from '../../audit/ActionMessage';
import { applyRequestAction } from '../../audit/applyRequestAction';
import { readErasureCase } from '../../erasure/ErasureCase';
import { ConfigError } from '../../errors/errors';
import { IntegrityViolationError } from '../../errors/IntegrityViolationError';
import type { DeadlineRule } from '../../intake/computeDeadline';
import { MalformedRequestError } from '../../intake/MalformedRequestError';
import { compareLedgerEntries } from '../../ledger/Ledger';
import { FINAL_STATES, type RequestState } from '../../ledger/RequestState';
import type { ComplianceMetrics } from '../../telemetry/ComplianceMetrics';
import { MalformedStageMessageError } from '../errors';
import { readLedgerMessage } from '../ForwardedLedger';
import { publishPendingCompletion } from '../PublishingLedger';
import {
  quarantineDepsOf,
  quarantineIntegrity,
  quarantineRefusedPlan,
  quarantineRequest,
} from '../quarantineRequest';
import { logFields, type RecordContext, type StageWork } from '../RecordContext';
import { decideEntry, RequestLedger } from '../RequestLedger';
import { parseStageMessage, type StageMessage } from '../StageMessage';
import { assertSameSubject, stopIfCancelled } from '../stageGuards';
import { verifyFindingsHandOff } from '../verifyFindingsHandOff';
import type { StageDeps } from './StageDeps';

/** One difference between the data map and a live catalog. Names only, never values. */
export interface DriftFinding {
  /** e.g. `column_added`, `column_removed`, `table_missing`, `type_changed`. */
  readonly driftType: string;
  /** `system:table`. */
  readonly table: string;
  readonly column?: string;
  /** @default `schema_drift` */
  readonly errorCategory?: string;
}

/** The gate's verdict: an outcome, not an error. */
export interface DriftVerdict {
  readonly status: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  /** Whether the request must stop here (quarantine and page). */
  readonly halt: boolean;
  readonly findings: readonly DriftFinding[];
  /** Share of the touched columns that drifted, 0–100. */
  readonly driftPercent: number;
}

export interface GateStageDeps extends StageDeps {
  /** The load queue. */
  readonly nextQueueUrl: string;
  /** The erase queue, where erasure requests go once checked. */
  readonly eraseQueueUrl?: string;
  readonly checkDrift: (tablesTouched: readonly string[]) => Promise<DriftVerdict>;
  readonly metrics: Pick<ComplianceMetrics, 'gateViolation'>;
  readonly pagerDuty: Pick<PagerDutyClient, 'trigger'>;
  /** Rules extensions are judged by. @default every shipped jurisdiction */
  readonly deadlineRules?: Readonly<Record<string, DeadlineRule>>;
}

/**
 * The compliance gate: verifies the hand-off (`verifyFindingsHandOff`; a violation is quarantined
 * with error category `integrity`), then checks the tables the findings came from for drift. A halting verdict
 * quarantines the message (payload bucket, `quarantine/YYYY/MM/DD/<requestId>.json`), emits the
 * `ComplianceGateViolation` metric, pages, and sends nothing on; otherwise the message goes to the
 * load queue (ledger `gated`). An erasure request's case is read and checked too (hashes, request,
 * subject): a plan with problems (a cascade to rows discovery did not find, a mask the catalog
 * refuses…) is quarantined as `erasure_plan_refused`, naming tables and columns; a sound one goes
 * to the erase queue.
 */
export function gateStage(deps: GateStageDeps): StageWork {
  const now = deps.now ?? (() => new Date());
  const ledger = new RequestLedger(deps.ledger, deps.stage, now);
  const { logger, stage } = deps;

  const quarantineDeps = quarantineDepsOf(deps, ledger, now);
  const quarantine = (
    body: string,
    message: StageMessage,
    verdict: DriftVerdict,
    context: RecordContext,
    last: RequestState | undefined,
  ): Promise<void> => {
    const first = verdict.findings[0];
    const driftType = first?.driftType ?? 'unknown';
    return quarantineRequest(
      quarantineDeps,
      { requestId: message.requestId, subjectHash: message.subjectHash, body },
      {
        kind: driftType,
        errorCategory: first?.errorCategory ?? 'schema_drift',
        summary: `dsr-bridge: request ${message.requestId} quarantined by the compliance gate (${driftType}, ${verdict.driftPercent}% drift)`,
        detail: { driftPercent: verdict.driftPercent, violationCount: verdict.findings.length },
        evidence: verdict,
      },
      context,
      last,
    );
  };

  return async (body, context) => {
    // An extension or cancellation forwarded by intake: decided here against the ledger.
    const action = readActionMessage(body);
    if (action) {
      context.requestId = action.requestId;
      const decision = await applyRequestAction(deps.ledger, action, {
        now: new Date(action.requestedAt),
        stage,
        traceId: context.traceId,
        ...(deps.deadlineRules ? { rules: deps.deadlineRules } : {}),
      });
      if (decision.outcome === 'refuse')
        throw new MalformedRequestError('action_refused', `${decision.refusal}: ${decision.message}`);
      logger.info(`request ${action.action === 'extend' ? 'extended' : 'cancelled'}`, {
        ...logFields(stage, context),
        reasonCode: action.reasonCode,
      });
      return;
    }
    // Ledger entries forwarded by the extractors, which have no Snowflake access.
    const forwarded = readLedgerMessage(body);
    if (forwarded?.[0]) {
      context.requestId = forwarded[0].requestId;
      context.traceId = forwarded[0].traceId;
      // A request that already ended keeps its terminal state as its last word.
      const stored = await deps.ledger.history(forwarded[0].requestId);
      if (!stored.some((e) => FINAL_STATES.has(e.state))) await deps.ledger.appendAll(forwarded);
      return;
    }
    const message = parseStageMessage(body);
    context.requestId = message.requestId;
    context.subjectHash = message.subjectHash;
    context.traceId = message.traceId;
    // The extractors' entries ride along with the message; those the ledger lacks are merged into
    // the history here and written only if this delivery goes on (a duplicate adds nothing).
    const stored = await ledger.history(message.requestId);
    await publishPendingCompletion(deps.ledger, stored);
    if (stopIfCancelled(stored, logger, stage, context)) return;
    const carried = (message.carriedLedger ?? []).filter(
      (e) => !stored.some((s) => s.state === e.state && s.stage === e.stage),
    );
    const history = [...stored, ...carried].sort(compareLedgerEntries);
    assertSameSubject(history, message.subjectHash);
    const decision = decideEntry(history, 'gated', 'gated');
    if (decision.action !== 'skip') await deps.ledger.appendAll(carried);
    if (decision.action === 'skip') {
      logger.info('duplicate delivery: already past the gate', {
        ...logFields(stage, context),
        state: decision.state,
      });
      return;
    }
    // What crossed the queue is checked before it is trusted: a hand-off that does not check out
    // is quarantined here, whatever the drift.
    try {
      // Hashes and counts, not an exact parse of every line: the load parses each line before
      // anything lands, and the gate's timeout is the shortest.
      await verifyFindingsHandOff(message, deps.payloads, { parseLines: false });
      if (message.type === 'erasure') {
        if (!message.erasure)
          throw new MalformedStageMessageError('an erasure request arrived without its erasure case');
        const erasureCase = await readErasureCase(deps.payloads, message.erasure, message);
        if (erasureCase.problems.length > 0) {
          await quarantineRefusedPlan(
            quarantineDeps,
            message,
            body,
            { problems: erasureCase.problems, planHash: erasureCase.plan.planHash },
            context,
            decision.action === 'proceed' ? decision.last : history.at(-1)?.state,
          );
          return;
        }
      }
    } catch (error) {
      if (!(error instanceof IntegrityViolationError)) throw error;
      const last = decision.action === 'proceed' ? decision.last : history.at(-1)?.state;
      await quarantineIntegrity(quarantineDeps, message, body, error, context, last);
      return;
    }
    const next = message.type === 'erasure' ? deps.eraseQueueUrl : deps.nextQueueUrl;
    if (next === undefined)
      throw new ConfigError(
        'ERASE_QUEUE_URL',
        'is not set: the erase queue, where erasure requests go after the gate',
      );
    if (decision.action === 'proceed') {
      const check = () => deps.checkDrift(message.tablesTouched);
      const verdict = await (deps.breakers ? deps.breakers.execute('snowflake', check) : check());
      if (verdict.halt) {
        await quarantine(body, message, verdict, context, decision.last);
        return;
      }
      await ledger.transition(message.requestId, context.traceId, decision.last, 'gated', {
        status: verdict.status,
        driftPercent: verdict.driftPercent,
      });
      logger.info('gate passed', { ...logFields(stage, context), status: verdict.status });
    }
    await deps.queue.send(next, body, {
      traceId: context.traceId,
      requestId: message.requestId,
    });
    logger.info(message.type === 'erasure' ? 'sent to erase' : 'sent to load', logFields(stage, context));
  };
}
