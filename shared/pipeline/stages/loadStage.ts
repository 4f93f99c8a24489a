import type { PagerDutyClient } from '../../alerting/PagerDutyClient';
import type { CanonicalValue } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';
import type { Finding } from '../../discovery/FindingsDocument';
import { IntegrityViolationError } from '../../errors/IntegrityViolationError';
import type { RequestState } from '../../ledger/RequestState';
import { SnowflakeValueTooLargeError } from '../../snowflake/errors';
import type { ComplianceMetrics } from '../../telemetry/ComplianceMetrics';
import {
  checkpointDetail,
  decideLoad,
  partCheckpointStage,
  partsLoaded,
  verifiedHandOff,
} from '../LoadCheckpoint';
import { publishPendingCompletion } from '../PublishingLedger';
import { quarantineDepsOf, quarantineIntegrity, quarantineRequest } from '../quarantineRequest';
import { logFields, type RecordContext, type StageWork } from '../RecordContext';
import { RequestLedger } from '../RequestLedger';
import { parseStageMessage, type StageMessage } from '../StageMessage';
import { stopIfCancelled } from '../stageGuards';
import { verifiedFindingsSource } from '../verifiedFindingsSource';
import { openFindingsParts, type VerifiedFindings, verifyFindingsHandOff } from '../verifyFindingsHandOff';
import type { StageDeps } from './StageDeps';

/** Which part of a request's findings a call to `loadPart` lands. */
export interface LoadPartContext {
  readonly message: StageMessage;
  readonly evidenceHash: string;
  /** 1-based. */
  readonly part: number;
  readonly parts: number;
}

/** Remaining time kept in reserve by default: no new part is started with less. */
export const DEFAULT_LOAD_RESERVE_MS = 20_000;

/**
 * Time a package is expected to take per row of findings, by default: 0.25 ms (4,000 rows/s), a
 * quarter of the writer's rate on a folder at 100,000 rows on a loaded 2-CPU machine (5.6 s), for a
 * Lambda function's share of a CPU. A million rows: about 250 s.
 */
export const DEFAULT_PACKAGE_MS_PER_ROW = 0.25;

export interface LoadStageDeps extends StageDeps {
  /** Where an integrity violation is reported (the ComplianceGateViolation metric). */
  readonly metrics: Pick<ComplianceMetrics, 'gateViolation'>;
  /** Pages an integrity violation; without it, the ComplianceGateViolation alarm pages. */
  readonly pagerDuty?: Pick<PagerDutyClient, 'trigger'>;
  /**
   * Lands one part of a request's findings in Snowflake; must be idempotent (a retry may repeat
   * a part that landed without its checkpoint).
   */
  readonly loadPart: (findings: readonly Finding[], part: LoadPartContext) => Promise<void>;
  /**
   * The load queue: a request the invocation could not finish in its time is sent here again and
   * the next invocation continues after its last checkpoint.
   */
  readonly continueQueueUrl: string;
  /**
   * No new part is started when the invocation has less time left than this, or than twice the
   * longest part so far. @default 20 s
   */
  readonly reserveMs?: number;
  /**
   * Expected package time per row: after loading parts, an invocation with less time left than
   * `reserveMs` plus this times the request's rows hands the package on to the next invocation.
   * @default {@link DEFAULT_PACKAGE_MS_PER_ROW}
   */
  readonly packageMsPerRow?: number;
}

/**
 * The load stage. It verifies the hand-off whole before anything lands (every part read once,
 * checked against the manifest's SHA-256s, parsed exactly, the evidence hash recomputed over all of
 * them; a violation is quarantined with error category `integrity`), records `loading` with the
 * hand-off it verified, then loads the parts in order, appending a checkpoint to the ledger after
 * each part but the last (see `LoadCheckpoint`), and records `loaded`.
 *
 * A later delivery of a request whose load began resumes: parts with a checkpoint for this
 * hand-off are not loaded again, and a hand-off verified whole before is not read whole again (each
 * part is still checked against its SHA-256 as it is read; a part that changed since is quarantined
 * with the number of parts that had landed). When the invocation's remaining time is short, the
 * stage stops taking new parts and sends the message to the load queue again (`continueQueueUrl`),
 * so a heavy request reaches `loaded` across several invocations without counting as a failed
 * receive. A request already loaded is acknowledged without loading again.
 */
export function loadStage(deps: LoadStageDeps): StageWork {
  const now = deps.now ?? (() => new Date());
  const ledger = new RequestLedger(deps.ledger, deps.stage, now);
  const { logger, stage } = deps;
  const reserveMs = deps.reserveMs ?? DEFAULT_LOAD_RESERVE_MS;
  const msPerRow = deps.packageMsPerRow ?? DEFAULT_PACKAGE_MS_PER_ROW;
  const packageBudgetMs = (rows: number) => reserveMs + rows * msPerRow;
  const quarantine = quarantineDepsOf(deps, ledger, now);

  const valueTooLarge = (
    message: StageMessage,
    body: string,
    error: SnowflakeValueTooLargeError,
    context: RecordContext,
  ) =>
    // No retry can make a finding fit a VARIANT: the request is stopped with its reason, for a
    // person to decide (exclude the column, or answer that table's part outside the pipeline).
    quarantineRequest(
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

  return async (body, context) => {
    const message = parseStageMessage(body);
    context.requestId = message.requestId;
    context.subjectHash = message.subjectHash;
    context.traceId = message.traceId;

    const history = await ledger.history(message.requestId);
    await publishPendingCompletion(deps.ledger, history);
    if (stopIfCancelled(history, logger, stage, context)) return;
    const decision = decideLoad(history);
    if (decision.action === 'skip') {
      logger.info('duplicate delivery: already loaded', {
        ...logFields(stage, context),
        state: decision.state,
      });
      return;
    }
    const received = history.find((e) => e.state === 'received' && e.detail?.subjectHash !== undefined);
    const expectations = received ? { ledgerSubjectHash: String(received.detail?.subjectHash) } : {};
    const last: RequestState | undefined = decision.action === 'start' ? decision.last : 'loading';

    // Nothing lands before the whole hand-off checked out, in this invocation or an earlier one.
    let findings: VerifiedFindings;
    try {
      const trusted =
        decision.action === 'resume' &&
        'parts' in message.findings &&
        verifiedHandOff(history, stage) === message.findings.parts.sha256;
      findings = trusted
        ? await openFindingsParts(message, deps.payloads, expectations)
        : await verifyFindingsHandOff(message, deps.payloads, expectations);
    } catch (error) {
      if (!(error instanceof IntegrityViolationError)) throw error;
      await quarantineIntegrity(quarantine, message, body, error, context, last);
      return;
    }
    // Verifying a hand-off takes time: a cancellation recorded meanwhile still stops the request
    // before anything is written.
    if (stopIfCancelled(await ledger.history(message.requestId), logger, stage, context)) return;
    if (decision.action === 'start')
      await ledger.transition(message.requestId, context.traceId, decision.last, 'loading', {
        handOff: findings.handOff,
        parts: findings.parts.length,
        rows: findings.rows,
      });

    const done = partsLoaded(history, findings.handOff, findings.parts);
    const count = findings.parts.length;
    const checkpoint = (index: number) =>
      deps.ledger.append({
        requestId: message.requestId,
        state: 'loading',
        at: now().toISOString(),
        stage: partCheckpointStage(stage, index + 1),
        traceId: context.traceId,
        detail: checkpointDetail(
          findings.handOff,
          index + 1,
          count,
          findings.parts[index] ?? { sha256: '', rows: 0 },
        ),
      });
    let longest = 0;
    let loadedNow = 0;
    for (let index = 0; index < count; index++) {
      if (done.has(index)) continue;
      // A cancellation recorded while earlier parts landed stops the load before the next one.
      if (loadedNow > 0 && stopIfCancelled(await ledger.history(message.requestId), logger, stage, context))
        return;
      const remaining = context.remainingMs?.();
      if (loadedNow > 0 && remaining !== undefined && remaining < Math.max(reserveMs, 2 * longest)) {
        await deps.queue.send(deps.continueQueueUrl, body, {
          traceId: context.traceId,
          requestId: message.requestId,
        });
        logger.info('time short: the rest continues in the next invocation', {
          ...logFields(stage, context),
          partsLoaded: done.size + loadedNow,
          parts: count,
        });
        return;
      }
      const started = now().getTime();
      let part: Awaited<ReturnType<VerifiedFindings['readPart']>>;
      try {
        part = await findings.readPart(index);
      } catch (error) {
        if (!(error instanceof IntegrityViolationError)) throw error;
        // Parts before this one landed with this evidence hash: the quarantine says how many.
        await quarantineIntegrity(quarantine, message, body, error, context, 'loading', {
          partsLoaded: done.size + loadedNow,
          parts: count,
        });
        return;
      }
      const load = () =>
        deps.loadPart(part.findings, {
          message,
          evidenceHash: findings.evidenceHash,
          part: index + 1,
          parts: count,
        });
      try {
        await (deps.breakers ? deps.breakers.execute('snowflake', load) : load());
      } catch (error) {
        if (!(error instanceof SnowflakeValueTooLargeError)) throw error;
        await valueTooLarge(message, body, error, context);
        return;
      }
      // The last part needs no checkpoint when `loaded` follows it in this invocation.
      if (index < count - 1) await checkpoint(index);
      loadedNow++;
      longest = Math.max(longest, now().getTime() - started);
    }
    // The package is written in one go after the last part. When this invocation loaded parts and
    // has less time left than the package is expected to take, the package starts afresh in the
    // next invocation (all parts checkpointed, so it goes straight to the package). An invocation
    // that loaded nothing writes it whatever its time: handing on again would never end.
    const remaining = context.remainingMs?.();
    if (
      deps.packages &&
      loadedNow > 0 &&
      remaining !== undefined &&
      remaining < packageBudgetMs(findings.rows)
    ) {
      if (!done.has(count - 1)) await checkpoint(count - 1);
      await deps.queue.send(deps.continueQueueUrl, body, {
        traceId: context.traceId,
        requestId: message.requestId,
      });
      logger.info('time short: the package is written in the next invocation', {
        ...logFields(stage, context),
        rows: findings.rows,
        parts: count,
      });
      return;
    }
    // The subject's package is in place before `loaded`, and so before its completion event.
    await deps.packages?.access(message.requestId, verifiedFindingsSource(findings, message.subjectHash));
    await ledger.transition(message.requestId, context.traceId, 'loading', 'loaded', {
      rows: findings.rows,
      evidenceHash: findings.evidenceHash,
      ...(count > 1 ? { parts: count } : {}),
      // The note of values not followed (counts and names, never a value), for the report.
      ...(findings.notFollowed?.length
        ? { notFollowed: canonicalJson(findings.notFollowed as unknown as CanonicalValue) }
        : {}),
      // Found phone values compared as digits (counts and names, never a value), for the report.
      ...(findings.unparsedPhones?.length
        ? { unparsedPhones: canonicalJson(findings.unparsedPhones as unknown as CanonicalValue) }
        : {}),
    });
    logger.info('loaded', { ...logFields(stage, context), rows: findings.rows, parts: count });
  };
}
