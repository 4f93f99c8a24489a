import type { PagerDutyClient } from '../../alerting/PagerDutyClient';
import type { ComplianceMetrics } from '../../telemetry/ComplianceMetrics';
import { readLedgerMessage } from '../ForwardedLedger';
import { compareLedgerEntries } from '../Ledger';
import { quarantineKey } from '../PayloadStore';
import { logFields, type RecordContext, type StageWork } from '../RecordContext';
import { decideEntry, RequestLedger } from '../RequestLedger';
import { FINAL_STATES } from '../RequestState';
import { parseStageMessage, type StageMessage } from '../StageMessage';
import { assertSameSubject } from './extractStage';
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
  readonly checkDrift: (tablesTouched: readonly string[]) => Promise<DriftVerdict>;
  readonly metrics: ComplianceMetrics;
  readonly pagerDuty: PagerDutyClient;
}

/**
 * The compliance gate: checks the tables the findings came from for drift. A halting verdict
 * quarantines the message (payload bucket, `quarantine/YYYY/MM/DD/<requestId>.json`), emits the
 * `ComplianceGateViolation` metric, pages, and sends nothing on; otherwise the message goes to the
 * load queue (ledger `gated`).
 */
export function gateStage(deps: GateStageDeps): StageWork {
  const now = deps.now ?? (() => new Date());
  const ledger = new RequestLedger(deps.ledger, deps.stage, now);
  const { logger, stage } = deps;

  const quarantine = async (
    body: string,
    message: StageMessage,
    verdict: DriftVerdict,
    context: RecordContext,
    last: Parameters<RequestLedger['transition']>[2],
  ): Promise<void> => {
    const first = verdict.findings[0];
    const driftType = first?.driftType ?? 'unknown';
    const errorCategory = first?.errorCategory ?? 'schema_drift';
    const at = now();
    const pointer = await deps.payloads.put(
      quarantineKey(message.requestId, at),
      JSON.stringify({
        verdict,
        message: JSON.parse(body),
        stage,
        traceId: context.traceId,
        at: at.toISOString(),
      }),
      {
        'request-id': message.requestId,
        'subject-hash': message.subjectHash,
        'trace-id': context.traceId,
        'drift-type': driftType,
        'error-category': errorCategory,
        'drift-percent': String(verdict.driftPercent),
        'violation-count': String(verdict.findings.length),
        stage,
      },
    );
    // The dedup key makes a repeated page (after a failure below) update the same incident.
    await deps.pagerDuty.trigger({
      requestId: message.requestId,
      kind: driftType,
      summary: `dsr-bridge: request ${message.requestId} quarantined by the compliance gate (${driftType}, ${verdict.driftPercent}% drift)`,
      customDetails: {
        errorCategory,
        driftPercent: verdict.driftPercent,
        subjectHash: message.subjectHash,
        traceId: context.traceId,
        quarantineKey: pointer.key,
      },
    });
    deps.metrics.gateViolation({
      driftType,
      errorCategory,
      requestId: message.requestId,
      subjectHash: message.subjectHash,
    });
    await ledger.transition(message.requestId, context.traceId, last, 'quarantined', {
      driftType,
      errorCategory,
      driftPercent: verdict.driftPercent,
    });
    logger.error('quarantined by the compliance gate', {
      ...logFields(stage, context),
      driftType,
      errorCategory,
      driftPercent: verdict.driftPercent,
      quarantineKey: pointer.key,
    });
  };

  return async (body, context) => {
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
    await deps.queue.send(deps.nextQueueUrl, body, {
      traceId: context.traceId,
      requestId: message.requestId,
    });
    logger.info('sent to load', logFields(stage, context));
  };
}
