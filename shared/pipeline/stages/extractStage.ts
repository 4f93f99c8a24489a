import { buildActionMessage, readIntakeAction } from '../../audit/ActionMessage';
import { requestClock } from '../../audit/requestClock';
import type { FindingsDocument } from '../../discovery/FindingsDocument';
import { type FindingsSource, findingsSourceOf } from '../../discovery/FindingsStream';
import { type ErasureCaseReference, putErasureCase } from '../../erasure/ErasureCase';
import { type ErasurePlan, rowsToChange } from '../../erasure/ErasurePlan';
import type { ErasureProblem } from '../../erasure/ErasureProblem';
import { ConfigError } from '../../errors/errors';
import type { DeadlineRule } from '../../intake/computeDeadline';
import type { IntakeRequest } from '../../intake/IntakeRequest';
import { parseIntakeMessage } from '../../intake/parseIntakeMessage';
import { DEFAULT_PROMOTION_WINDOW_DAYS, shouldPromote } from '../../intake/shouldPromote';
import type { LedgerEntry } from '../../ledger/Ledger';
import type { Dependency } from '../../resilience/DependencyBreakers';
import type { ForwardedLedger } from '../ForwardedLedger';
import { addScrubValues, logFields, type StageWork } from '../RecordContext';
import { decideEntry, RequestLedger } from '../RequestLedger';
import { buildStageMessage, tablesTouched } from '../StageMessage';
import { assertSameSubject, stopIfCancelled } from '../stageGuards';
import type { StageDeps } from './StageDeps';

/** Findings as a source, perhaps backed by something to release when done (a temporary file). */
export type DisposableFindingsSource = FindingsSource & { dispose?(): Promise<void> };

/**
 * What discovery (and an erasure's planning) reads: one traversal searches both systems, so each
 * one's faults count towards its own breaker.
 */
const DISCOVERED_IN: readonly Dependency[] = ['postgres', 'snowflake'];

export interface ExtractStageDeps extends StageDeps {
  /** Which intake queue this extractor consumes. */
  readonly priority: 'high' | 'standard';
  /** The gate queue. */
  readonly nextQueueUrl: string;
  /** Where a standard request near its deadline is moved. */
  readonly highQueueUrl: string;
  /** Identity kinds the data map declares. */
  readonly identityKinds: readonly string[];
  /** Keyed hash of the request's normalised identifiers. */
  readonly hashSubject: (subject: IntakeRequest['subject']) => string;
  /**
   * Finds every record about the subject (PostgreSQL and Snowflake): the findings as a replayable
   * source, read once to tell whether they fit the message and once more to write them as parts;
   * a source with `dispose` (a temporary file) is disposed of once the message is sent or failed.
   */
  readonly discover: (request: IntakeRequest) => Promise<DisposableFindingsSource>;
  /**
   * For an erasure request, instead of `discover`: discovers the subject (in memory: the plan names
   * every row) and plans the erasure, read-only. The findings go on as an access request's do; the
   * plan, its problems and the identifiers go to the bucket as the erasure case (see `ErasureCase`).
   */
  readonly planErasure?: (request: IntakeRequest) => Promise<ErasurePlanned>;
  readonly maxIntakeBytes?: number;
  readonly deadlineRules?: Readonly<Record<string, DeadlineRule>>;
  /** @default 7 */
  readonly promotionWindowDays?: number;
  /** Findings whose canonical text is larger travel as parts in the payload bucket. @default 200 KiB */
  readonly claimCheckBytes?: number;
  /** Bytes of one findings part at most. @default 4 MiB */
  readonly partBytes?: number;
  /** Ledger entries to carry with the stage message (see {@link ForwardedLedger}). */
  readonly carriedLedger?: (requestId: string) => readonly LedgerEntry[];
}

/** What planning an erasure request gives the extract stage. */
export interface ErasurePlanned {
  readonly findings: FindingsDocument;
  readonly plan: ErasurePlan;
  readonly problems: readonly ErasureProblem[];
  /** Every identifier known before the erasure (the request's and those learned). */
  readonly known: Record<string, string[]>;
  /** Learned values discovery did not follow (kept out of error text only). */
  readonly unfollowed?: Record<string, string[]>;
}

/**
 * The extract stage: parse the intake message, move a standard request near its deadline to the
 * high queue, then discover (ledger `discovering` → `discovered`) and send the findings to the gate.
 * A request the ledger shows past discovery is acknowledged without redoing it.
 */
export function extractStage(deps: ExtractStageDeps): StageWork {
  const now = deps.now ?? (() => new Date());
  const ledger = new RequestLedger(deps.ledger, deps.stage, now);
  const { logger, stage } = deps;

  // Deliveries of one request id are worked one after the other in this container, so a second
  // subject under the same id sees the first one's ledger entries and is refused.
  const inFlight = new Map<string, Promise<void>>();
  const oneAtATime = async (requestId: string, work: () => Promise<void>): Promise<void> => {
    const run = (inFlight.get(requestId) ?? Promise.resolve()).catch(() => undefined).then(work);
    inFlight.set(requestId, run);
    try {
      await run;
    } finally {
      if (inFlight.get(requestId) === run) inFlight.delete(requestId);
    }
  };

  return async (body, context) => {
    // An extension or cancellation from the portal: checked here, decided at the gate, which reads
    // the ledger (the extractors do not).
    const action = readIntakeAction(body, deps.maxIntakeBytes);
    if (action) {
      context.requestId = action.requestId;
      await deps.queue.send(deps.nextQueueUrl, JSON.stringify(buildActionMessage(action, now())), {
        traceId: context.traceId,
        requestId: action.requestId,
      });
      logger.info('action forwarded to the gate', {
        ...logFields(stage, context),
        action: action.action,
        reasonCode: action.reasonCode,
      });
      return;
    }
    const request = parseIntakeMessage(body, {
      identityKinds: deps.identityKinds,
      maxBytes: deps.maxIntakeBytes,
      deadlineRules: deps.deadlineRules,
    });
    addScrubValues(context, Object.values(request.subject).flat());
    context.requestId = request.requestId;
    context.subjectHash = deps.hashSubject(request.subject);
    const { requestId, subjectHash } = { requestId: request.requestId, subjectHash: context.subjectHash };
    await oneAtATime(requestId, async () => {
      let history = await ledger.history(requestId);
      if (stopIfCancelled(history, logger, stage, context)) return;
      assertSameSubject(history, subjectHash);
      if (history.length === 0) {
        // What the access report states about the request; codes and times, no personal data.
        await ledger.transition(requestId, context.traceId, undefined, 'received', {
          subjectHash,
          priority: deps.priority,
          type: request.type,
          jurisdiction: request.jurisdiction,
          receivedAt: request.receivedAt,
          deadline: request.deadline,
          deadlineComputed: request.deadlineComputed,
          // The package's language; a code, never personal data.
          ...(request.language !== undefined ? { language: request.language } : {}),
        });
        history = await ledger.history(requestId);
      }
      const decision = decideEntry(history, 'discovering', 'discovered');
      if (decision.action === 'skip') {
        logger.info('duplicate delivery: already past extract', {
          ...logFields(stage, context),
          state: decision.state,
        });
        return;
      }
      if (
        deps.priority === 'standard' &&
        shouldPromote(
          // The deadline now, moved by a recorded extension where this stage's ledger knows one.
          requestClock(history, deps.deadlineRules)?.deadline ?? new Date(request.deadline),
          now(),
          deps.promotionWindowDays ?? DEFAULT_PROMOTION_WINDOW_DAYS,
        )
      ) {
        await deps.queue.send(deps.highQueueUrl, body, { traceId: context.traceId, requestId });
        logger.info('promoted to the high queue: deadline near', {
          ...logFields(stage, context),
          deadline: request.deadline,
        });
        return;
      }

      let erasure: ErasureCaseReference | undefined;
      const discover = async (): Promise<DisposableFindingsSource> => {
        if (request.type !== 'erasure') return deps.discover(request);
        if (!deps.planErasure)
          throw new ConfigError(
            'planErasure',
            'this extractor cannot plan erasures, and an erasure request came',
          );
        const planned = await deps.planErasure(request);
        erasure = await putErasureCase(
          deps.payloads,
          {
            kind: 'dsr.erasure-case',
            version: 1,
            requestId,
            subjectHash,
            identifiers: request.subject,
            known: planned.known,
            ...(planned.unfollowed && Object.keys(planned.unfollowed).length > 0
              ? { unfollowed: planned.unfollowed }
              : {}),
            plan: planned.plan,
            problems: planned.problems,
          },
          rowsToChange(planned.plan),
        );
        return findingsSourceOf(planned.findings);
      };
      let source: DisposableFindingsSource | undefined;
      try {
        if (decision.action === 'proceed') {
          await ledger.transition(requestId, context.traceId, decision.last, 'discovering');
          source = await (deps.breakers ? deps.breakers.executeAcross(DISCOVERED_IN, discover) : discover());
          const rows = source.summary.rows;
          await ledger.transition(requestId, context.traceId, 'discovering', 'discovered', {
            rows,
            evidenceHash: source.summary.evidenceHash,
            // What the erasure will do, recorded before anything acts: hashes and counts only.
            ...(erasure
              ? {
                  planHash: erasure.planHash,
                  rowsToChange: erasure.rowsToChange,
                  planProblems: erasure.problems,
                }
              : {}),
          });
          logger.info('discovered', { ...logFields(stage, context), rows });
        } else {
          // Discovered before, but the hand-off may not have happened: discover again (read-only) and send.
          source = await (deps.breakers ? deps.breakers.executeAcross(DISCOVERED_IN, discover) : discover());
          logger.info('re-sending discovered findings', logFields(stage, context));
        }
        const message = await buildStageMessage(
          {
            requestId,
            type: request.type,
            jurisdiction: request.jurisdiction,
            deadline: request.deadline,
            subjectHash,
            traceId: context.traceId,
            tablesTouched: tablesTouched(source.summary),
            ...(erasure ? { erasure } : {}),
            ...(deps.carriedLedger ? { carriedLedger: [...deps.carriedLedger(requestId)] } : {}),
          },
          source,
          deps.payloads,
          {
            ...(deps.claimCheckBytes !== undefined ? { thresholdBytes: deps.claimCheckBytes } : {}),
            ...(deps.partBytes !== undefined ? { partBytes: deps.partBytes } : {}),
          },
        );
        await deps.queue.send(deps.nextQueueUrl, JSON.stringify(message), {
          traceId: context.traceId,
          requestId,
        });
        logger.info('sent to gate', {
          ...logFields(stage, context),
          parts: 'parts' in message.findings,
        });
      } finally {
        await source?.dispose?.();
      }
    });
  };
}
