import type { FindingsDocument } from '../../discovery/FindingsDocument';
import { logFields, type StageWork } from '../RecordContext';
import { decideEntry, RequestLedger } from '../RequestLedger';
import { parseStageMessage, resolveFindings, type StageMessage } from '../StageMessage';
import type { StageDeps } from './StageDeps';

export interface LoadStageDeps extends StageDeps {
  /** Lands the findings in Snowflake; must be idempotent per request (a retry may repeat it). */
  readonly load: (findings: FindingsDocument, message: StageMessage) => Promise<void>;
}

/**
 * The load stage: resolves the findings (inline or claim-checked), loads them (ledger `loading` →
 * `loaded`). A request already loaded is acknowledged without loading again.
 */
export function loadStage(deps: LoadStageDeps): StageWork {
  const ledger = new RequestLedger(deps.ledger, deps.stage, deps.now);
  const { logger, stage } = deps;

  return async (body, context) => {
    const message = parseStageMessage(body);
    context.requestId = message.requestId;
    context.subjectHash = message.subjectHash;
    context.traceId = message.traceId;

    const decision = decideEntry(await ledger.history(message.requestId), 'loading', 'loaded');
    if (decision.action !== 'proceed') {
      logger.info('duplicate delivery: already loaded', logFields(stage, context));
      return;
    }
    await ledger.transition(message.requestId, context.traceId, decision.last, 'loading');
    const findings = await resolveFindings(message, deps.payloads);
    const load = () => deps.load(findings, message);
    await (deps.breakers ? deps.breakers.execute('snowflake', load) : load());
    await ledger.transition(message.requestId, context.traceId, 'loading', 'loaded', {
      rows: findings.findings.length,
      evidenceHash: findings.evidenceHash,
    });
    logger.info('loaded', { ...logFields(stage, context), rows: findings.findings.length });
  };
}
