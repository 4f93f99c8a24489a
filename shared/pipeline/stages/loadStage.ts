import type { PagerDutyClient } from '../../alerting/PagerDutyClient';
import type { FindingsDocument } from '../../discovery/FindingsDocument';
import { SnowflakeValueTooLargeError } from '../../snowflake/errors';
import type { ComplianceMetrics } from '../../telemetry/ComplianceMetrics';
import { IntegrityViolationError } from '../errors';
import { quarantineIntegrity, quarantineRequest } from '../quarantineRequest';
import { logFields, type StageWork } from '../RecordContext';
import { decideEntry, RequestLedger } from '../RequestLedger';
import { parseStageMessage, type StageMessage } from '../StageMessage';
import { verifyFindingsHandOff } from '../verifyFindingsHandOff';
import { stopIfCancelled } from './extractStage';
import type { StageDeps } from './StageDeps';

export interface LoadStageDeps extends StageDeps {
  /** Where an integrity violation is reported (the ComplianceGateViolation metric). */
  readonly metrics: Pick<ComplianceMetrics, 'gateViolation'>;
  /** Pages an integrity violation; without it, the ComplianceGateViolation alarm pages. */
  readonly pagerDuty?: Pick<PagerDutyClient, 'trigger'>;
  /** Lands the findings in Snowflake; must be idempotent per request (a retry may repeat it). */
  readonly load: (findings: FindingsDocument, message: StageMessage) => Promise<void>;
}

/**
 * The load stage: verifies the hand-off (inline or claim-checked findings, recomputed evidence
 * hash, request and subject as the ledger has them; a violation is quarantined with error category
 * `integrity` and nothing is loaded), then loads the findings (ledger `loading` →
 * `loaded`). A request already loaded is acknowledged without loading again.
 */
export function loadStage(deps: LoadStageDeps): StageWork {
  const now = deps.now ?? (() => new Date());
  const ledger = new RequestLedger(deps.ledger, deps.stage, now);
  const { logger, stage } = deps;
  const quarantine = {
    stage,
    payloads: deps.payloads,
    metrics: deps.metrics,
    pagerDuty: deps.pagerDuty,
    ledger,
    logger,
    now,
  };

  return async (body, context) => {
    const message = parseStageMessage(body);
    context.requestId = message.requestId;
    context.subjectHash = message.subjectHash;
    context.traceId = message.traceId;

    const history = await ledger.history(message.requestId);
    if (stopIfCancelled(history, logger, stage, context)) return;
    const decision = decideEntry(history, 'loading', 'loaded');
    if (decision.action !== 'proceed') {
      logger.info('duplicate delivery: already loaded', logFields(stage, context));
      return;
    }
    const received = history.find((e) => e.state === 'received' && e.detail?.subjectHash !== undefined);
    let findings: FindingsDocument;
    try {
      findings = await verifyFindingsHandOff(message, deps.payloads, {
        ...(received ? { ledgerSubjectHash: String(received.detail?.subjectHash) } : {}),
      });
    } catch (error) {
      if (!(error instanceof IntegrityViolationError)) throw error;
      await quarantineIntegrity(quarantine, message, body, error, context, decision.last);
      return;
    }
    // Verifying a claim-checked hand-off takes time: a cancellation recorded meanwhile still stops
    // the request before anything is written.
    if (stopIfCancelled(await ledger.history(message.requestId), logger, stage, context)) return;
    await ledger.transition(message.requestId, context.traceId, decision.last, 'loading');
    const load = () => deps.load(findings, message);
    try {
      await (deps.breakers ? deps.breakers.execute('snowflake', load) : load());
    } catch (error) {
      if (!(error instanceof SnowflakeValueTooLargeError)) throw error;
      // No retry can make a finding fit a VARIANT: the request is stopped with its reason, for a
      // person to decide (exclude the column, or answer that table's part outside the pipeline).
      await quarantineRequest(
        quarantine,
        { requestId: message.requestId, subjectHash: message.subjectHash, body },
        {
          kind: 'value_too_large',
          errorCategory: 'data_limit',
          summary: `dsr-bridge: request ${message.requestId} quarantined at ${stage}: a finding is larger than a Snowflake VARIANT can hold (${error.bytes} bytes)`,
          detail: { code: error.code, bytes: error.bytes, limitBytes: error.limitBytes },
        },
        context,
        'loading',
      );
      return;
    }
    await ledger.transition(message.requestId, context.traceId, 'loading', 'loaded', {
      rows: findings.findings.length,
      evidenceHash: findings.evidenceHash,
    });
    logger.info('loaded', { ...logFields(stage, context), rows: findings.findings.length });
  };
}
