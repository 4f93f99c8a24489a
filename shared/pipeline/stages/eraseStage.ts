import type { PagerDutyClient } from '../../alerting/PagerDutyClient';
import type { ApprovalPolicy } from '../../audit/approval';
import type { CanonicalValue } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';
import { parseExactJson } from '../../canonical/parseExactJson';
import type { Finding, FindingsDocument } from '../../discovery/FindingsDocument';
import {
  buildErasureReceipt,
  type ErasureReceipt,
  type RetentionFacts,
} from '../../erasure/buildErasureReceipt';
import { checkedPlan, type ErasureCase, readErasureCase } from '../../erasure/ErasureCase';
import type { ErasurePlan } from '../../erasure/ErasurePlan';
import type { ErasureProblem } from '../../erasure/ErasureProblem';
import type { ErasureStep } from '../../erasure/ErasureStep';
import type { ErasurePlanExecution, ErasureResume } from '../../erasure/executeErasurePlan';
import { copiesForReceipt, type OwnCopiesRemoval } from '../../erasure/removeOwnCopies';
import { reviveFindings } from '../../erasure/reviveFindings';
import type { ErasureVerification } from '../../erasure/verifyErasure';
import { DsrError } from '../../errors/DsrError';
import { IntegrityViolationError } from '../../errors/IntegrityViolationError';
import { lifecycleOf } from '../../ledger/RequestState';
import { erasurePrefix } from '../../payload/PayloadStore';
import type { ComplianceMetrics } from '../../telemetry/ComplianceMetrics';
import {
  DEFAULT_ERASE_RESERVE_MS,
  decideErase,
  decideReplan,
  erasingHandOff,
  erasureEnded,
  erasureProgress,
  handOnErasure,
  replannedPlanHash,
} from '../decideErase';
import { type EraseCheckpointKind, eraseCheckpointStage } from '../EraseCheckpoint';
import { MalformedStageMessageError } from '../errors';
import { publishPendingCompletion } from '../PublishingLedger';
import {
  quarantineDepsOf,
  quarantineIntegrity,
  quarantineRefusedPlan,
  quarantineRequest,
} from '../quarantineRequest';
import { addScrubValues, logFields, type RecordContext, type StageWork } from '../RecordContext';
import { RequestLedger } from '../RequestLedger';
import { parseStageMessage, type StageMessage } from '../StageMessage';
import { stopIfCancelled } from '../stageGuards';
import { openFindingsParts, type VerifiedFindings, verifyFindingsHandOff } from '../verifyFindingsHandOff';
import type { LoadPartContext } from './loadStage';
import type { StageDeps } from './StageDeps';

/** Rows changed under the erasure each time it was planned again. Retryable: the data may settle. */
export class ErasureStaleError extends DsrError {
  readonly retryable = true;
  readonly code = 'ERASURE_STALE';
}

/** The erasure work the stage drives; the handler builds it from the erasure role's connections. */
export interface SubjectEraser {
  /**
   * Executes a plan unit by unit (`executeErasureUnits`: PostgreSQL in one transaction or, above a
   * batch size, in batches; then Snowflake in one); rows already erased count as done. `onStep` is
   * called for each table step once its transaction committed; `resume` names the steps committed
   * before (not run again) and is asked before each further unit whether to go on (`paused` if not).
   */
  execute(
    plan: ErasurePlan,
    findings: FindingsDocument,
    onStep: (step: ErasureStep) => Promise<void>,
    resume: ErasureResume,
  ): Promise<ErasurePlanExecution>;
  /** Discovers again from the request's identifiers and plans, read-only (after rows changed). */
  replan(input: {
    readonly requestId: string;
    readonly identifiers: Readonly<Record<string, readonly string[]>>;
  }): Promise<{ findings: FindingsDocument; plan: ErasurePlan; problems: readonly ErasureProblem[] }>;
  /** The proof: discovery again from every identifier known before the erasure. */
  prove(input: {
    readonly requestId: string;
    readonly plan: ErasurePlan;
    readonly findings: FindingsDocument;
    readonly known: Record<string, string[]>;
  }): Promise<ErasureVerification>;
  /** When erased data becomes unrecoverable: Snowflake's retention, the operator's backups. */
  retention(): Promise<RetentionFacts>;
  /**
   * Which tables' findings `execute` and `prove` need besides the plan (`findingsErasureNeeds`):
   * only those are held in memory; the others are read part by part for the evidence only.
   * @default every table's
   */
  needs?(): Promise<(table: Pick<Finding, 'system' | 'table'>) => boolean>;
}

/** Where receipts are kept (`DSR_ERASURE_RECEIPTS` beside the ledger). */
export interface ReceiptStore {
  /** Stores the receipt unless one is stored for the request; returns the stored one. */
  put(receipt: ErasureReceipt): Promise<ErasureReceipt>;
  get(requestId: string): Promise<ErasureReceipt | undefined>;
}

export interface EraseStageDeps extends StageDeps {
  readonly metrics: Pick<ComplianceMetrics, 'gateViolation'>;
  /** Pages an erasure that could not be verified, and quarantines. */
  readonly pagerDuty: Pick<PagerDutyClient, 'trigger'>;
  /** The erase queue: a plan waiting for approval is looked at again from there. */
  readonly continueQueueUrl: string;
  readonly approval: ApprovalPolicy;
  /** Seconds before a waiting plan's ledger is read again (0–900). */
  readonly approvalPollSeconds: number;
  readonly eraser: SubjectEraser;
  /** Lands findings in the evidence table WITHOUT their values (keys, row hashes, provenance); idempotent. */
  readonly loadEvidence: (findings: readonly Finding[], part: LoadPartContext) => Promise<void>;
  readonly receipts: ReceiptStore;
  /** Removes dsr-bridge's copies of the subject from its earlier requests (see `removeOwnCopies`). */
  readonly removeOwnCopies: (input: {
    readonly subjectHash: string;
    readonly requestId: string;
  }) => Promise<OwnCopiesRemoval>;
  /** Deletes every object the bucket holds for this request (findings parts, erasure case, plans). */
  readonly deleteRequestObjects: (requestId: string) => Promise<number>;
  /** Plans made again after rows changed under the erasure, per delivery. @default 2 */
  readonly maxReplans?: number;
  /**
   * No new unit of the plan (a transaction), nor the proof, is started when the invocation has less
   * time left than this, or than twice its longest unit so far: the request is sent to the erase
   * queue again and the next invocation resumes after the last committed unit (`handOnErasure`).
   * @default {@link DEFAULT_ERASE_RESERVE_MS}
   */
  readonly reserveMs?: number;
}

/** A plan made again, kept in the bucket beside the case with the findings it was made from. */
function replanKey(requestId: string, planHash: string): string {
  return `${erasurePrefix(requestId)}plan-${planHash}.json`;
}

/**
 * The erase stage. For an erasure request that passed the gate it:
 * 1. checks the hand-off and the erasure case (integrity violations are quarantined);
 * 2. decides from the ledger (`decideErase`): a plan above the blast radius, or touching a table
 *    marked `approval: required`, waits in `awaiting_approval` (the message comes back every
 *    `approvalPollSeconds` until `dsr approve` records `approved` for that plan's hash, or the
 *    request is cancelled); otherwise `erasing`;
 * 3. executes the plan unit by unit (one transaction each; see `erasureUnits`), recording each
 *    committed table step as an `erasing` checkpoint and never running a checkpointed unit again;
 *    when the invocation's time runs short (`handOnErasure`) it sends the message to its own queue
 *    and the next invocation resumes; rows that changed since discovery, before anything committed,
 *    are planned again from a fresh discovery (a plan that now needs approval waits again), never
 *    erased on stale information;
 * 4. proves the erasure by discovery from every identifier known before it;
 * 5. stores the evidence WITHOUT values (keys, row hashes, provenance), removes dsr-bridge's own
 *    copies of the subject from earlier requests, and stores the receipt (first one wins);
 * 6. deletes the request's own objects in the bucket and records `erased` or, when the proof still
 *    finds the subject, `erasure_unverified`, which pages.
 * A redelivery at any point finishes the job without doing anything twice: the executors count rows
 * already erased as done, evidence MERGEs, the receipt is kept once, copies removed are recorded.
 */
export function eraseStage(deps: EraseStageDeps): StageWork {
  const now = deps.now ?? (() => new Date());
  const ledger = new RequestLedger(deps.ledger, deps.stage, now);
  const { logger, stage } = deps;
  const quarantineDeps = quarantineDepsOf(deps, ledger, now);
  /**
   * Appends a checkpoint of `kind`, numbered after those `numbers` counted in the history this
   * delivery read (each checkpoint has a stage of its own: the ledger keeps one entry per request,
   * state and stage).
   */
  const checkpoint = async (
    message: StageMessage,
    context: RecordContext,
    numbers: Map<EraseCheckpointKind, number>,
    kind: EraseCheckpointKind,
    detail: Readonly<Record<string, string | number | boolean>>,
  ) => {
    const number = (numbers.get(kind) ?? 0) + 1;
    numbers.set(kind, number);
    await deps.ledger.append({
      requestId: message.requestId,
      state: 'erasing',
      at: now().toISOString(),
      stage: eraseCheckpointStage(kind, number),
      traceId: context.traceId,
      detail: { ...detail, checkpoint: kind },
    });
  };
  const waitForApproval = async (message: StageMessage, body: string, context: RecordContext) => {
    await deps.queue.send(
      deps.continueQueueUrl,
      body,
      { traceId: context.traceId, requestId: message.requestId },
      { delaySeconds: deps.approvalPollSeconds },
    );
    logger.info('waiting for approval', logFields(stage, context));
  };

  /** Deletes the request's working objects and records the receipt's outcome; pages when unverified. */
  const finish = async (message: StageMessage, receipt: ErasureReceipt, context: RecordContext) => {
    const objects = await deps.deleteRequestObjects(message.requestId);
    // The confirmation is in place before the outcome is recorded, and so before its completion event.
    await deps.packages?.erasure(message.requestId, receipt);
    const last = lifecycleOf(await ledger.history(message.requestId)).at(-1)?.state;
    if (last !== 'erasing') await ledger.transitionAgain(message.requestId, context.traceId, last, 'erasing');
    await ledger.transitionAgain(message.requestId, context.traceId, 'erasing', receipt.outcome, {
      receiptHash: receipt.receiptHash,
      planHash: receipt.planHash,
      tablesRemaining: receipt.remaining.length,
      objectsDeleted: objects,
    });
    if (receipt.outcome === 'erasure_unverified') {
      await deps.pagerDuty.trigger({
        requestId: message.requestId,
        kind: 'erasure_unverified',
        severity: 'critical',
        summary: `dsr-bridge: erasure ${message.requestId} not verified: the subject is still findable in ${receipt.remaining.length} table(s)`,
        customDetails: {
          subjectHash: message.subjectHash,
          tables: receipt.remaining.map((r) => `${r.system}:${r.table} (${r.reason})`).join(', '),
        },
      });
      logger.error('erasure not verified', {
        ...logFields(stage, context),
        tablesRemaining: receipt.remaining.length,
      });
    } else logger.info('erased', { ...logFields(stage, context), receiptHash: receipt.receiptHash });
  };

  return async (body, context) => {
    const message = parseStageMessage(body);
    context.requestId = message.requestId;
    context.subjectHash = message.subjectHash;
    context.traceId = message.traceId;
    if (message.type !== 'erasure' || !message.erasure)
      throw new MalformedStageMessageError('the erase stage takes erasure requests with their erasure case');
    const reference = message.erasure;

    const history = await ledger.history(message.requestId);
    await publishPendingCompletion(deps.ledger, history);
    if (stopIfCancelled(history, logger, stage, context)) {
      // Nothing more will be done: the subject's identifiers and findings leave the bucket.
      await deps.deleteRequestObjects(message.requestId);
      return;
    }
    const ended = erasureEnded(history);
    if (ended !== undefined) {
      logger.info('duplicate delivery: the erasure has ended', {
        ...logFields(stage, context),
        state: ended,
      });
      return;
    }
    const last = lifecycleOf(history).at(-1)?.state;
    // A receipt stored before a crash: only the last steps remain.
    const stored = await deps.receipts.get(message.requestId);
    if (stored) {
      await finish(message, stored, context);
      return;
    }

    let handOff: VerifiedFindings;
    let erasureCase: ErasureCase;
    let handed: FindingsDocument;
    try {
      // A resumed erasure of a hand-off verified whole when it began: the manifest is checked, and
      // each part against it as it is read.
      const trusted =
        last === 'erasing' &&
        'parts' in message.findings &&
        erasingHandOff(history) === message.findings.parts.sha256;
      handOff = trusted
        ? await openFindingsParts(message, deps.payloads)
        : await verifyFindingsHandOff(message, deps.payloads);
      erasureCase = await readErasureCase(deps.payloads, reference, message);
      // An error raised from here on (a database's message quoting a value) is scrubbed of every
      // identifier known before the erasure, and of every learned value discovery did not follow,
      // before it reaches a log line or a dead letter.
      addScrubValues(context, [
        ...Object.values(erasureCase.known).flat(),
        ...Object.values(erasureCase.unfollowed ?? {}).flat(),
      ]);
      // Only the findings the eraser needs besides the plan are held, read one part at a time; no
      // part is read when none of their tables has rows.
      const needs = (await deps.eraser.needs?.()) ?? (() => true);
      const wanted = Object.entries(handOff.counts).some(([system, tables]) =>
        Object.entries(tables).some(
          ([table, rows]) => rows > 0 && needs({ system: system as Finding['system'], table }),
        ),
      );
      const kept: Finding[] = [];
      // Only the lines of those tables are parsed (each line's table is read from its end).
      const only = (t: { readonly system: string; readonly table: string }) =>
        needs(t as Pick<Finding, 'system' | 'table'>);
      for (let i = 0; wanted && i < handOff.parts.length; i++)
        for (const f of (await handOff.readPart(i, { only })).findings) kept.push(f);
      handed = {
        requestId: message.requestId,
        subject: { hash: message.subjectHash },
        findings: reviveFindings(kept),
        counts: {},
        evidenceHash: handOff.evidenceHash,
      };
    } catch (error) {
      if (!(error instanceof IntegrityViolationError)) throw error;
      await quarantineIntegrity(quarantineDeps, message, body, error, context, last);
      return;
    }
    if (erasureCase.problems.length > 0) {
      await quarantineRefusedPlan(
        quarantineDeps,
        message,
        body,
        { problems: erasureCase.problems, planHash: erasureCase.plan.planHash },
        context,
        last,
      );
      return;
    }

    // The plan to run: the case's, or the latest one made again since (kept in the bucket).
    const replanned = replannedPlanHash(history, erasureCase.plan.planHash);
    let working = replanned
      ? await readReplannedPlan(deps, reference.case.bucket, replanned, erasureCase)
      : { plan: erasureCase.plan, findings: handed };
    const decision = decideErase({ history, plan: working.plan, policy: deps.approval });
    if (decision.action === 'skip') return;
    if (decision.action === 'refuse') {
      await quarantineRequest(
        quarantineDeps,
        { requestId: message.requestId, subjectHash: message.subjectHash, body },
        {
          kind: 'approval_plan_mismatch',
          errorCategory: 'erasure_plan',
          summary: `dsr-bridge: erasure ${message.requestId} quarantined: the approval names another plan than the one to run`,
          detail: { planHash: decision.planHash, approvedPlanHash: decision.approvedPlanHash },
        },
        context,
        last,
      );
      return;
    }
    if (decision.action === 'await') {
      if (decision.enter)
        await ledger.transitionAgain(
          message.requestId,
          context.traceId,
          decision.enter.from,
          'awaiting_approval',
          decision.enter.detail,
        );
      await waitForApproval(message, body, context);
      return;
    }
    if (decision.enter)
      await ledger.transitionAgain(message.requestId, context.traceId, decision.enter.from, 'erasing', {
        ...decision.enter.detail,
        handOff: handOff.handOff,
      });

    const progress = erasureProgress(await ledger.history(message.requestId));
    const { numbers } = progress;
    const steps: ErasureStep[] = [...progress.steps];
    const onStep = async (step: ErasureStep) => {
      steps.push(step);
      await checkpoint(message, context, numbers, 'step', { ...step });
    };
    // Time: each unit committed in this invocation, and the longest, decide whether the next starts.
    const reserveMs = deps.reserveMs ?? DEFAULT_ERASE_RESERVE_MS;
    let unitsNow = 0;
    let longestUnitMs = 0;
    let unitStarted = now().getTime();
    const unitEnded = () => {
      const at = now().getTime();
      unitsNow++;
      longestUnitMs = Math.max(longestUnitMs, at - unitStarted);
      unitStarted = at;
    };
    const handOn = () =>
      handOnErasure({ remainingMs: context.remainingMs?.(), reserveMs, unitsNow, longestUnitMs });
    const continueLater = async (what: Record<string, number | string>) => {
      await deps.queue.send(deps.continueQueueUrl, body, {
        traceId: context.traceId,
        requestId: message.requestId,
      });
      logger.info('time short: the erasure continues in the next invocation', {
        ...logFields(stage, context),
        ...what,
      });
    };
    for (let replans = 0; ; replans++) {
      const run = () =>
        deps.eraser.execute(working.plan, working.findings, onStep, {
          done: [...steps],
          beforeUnit: () => {
            unitEnded();
            return !handOn();
          },
        });
      const executed = await (deps.breakers
        ? deps.breakers.executeAcross(
            working.plan.tables.map((t) => t.system),
            run,
          )
        : run());
      if (executed.outcome === 'paused') {
        await continueLater({ unitsDone: executed.units.done, units: executed.units.of });
        return;
      }
      if (executed.outcome === 'done') {
        if (executed.steps.length > 0) unitEnded();
        break;
      }
      if (executed.outcome === 'refused') {
        if (executed.afterCommit)
          logger.error('erasure refused after earlier batches committed', {
            ...logFields(stage, context),
            stepsCommitted: steps.length,
          });
        // Nothing was changed anywhere: Snowflake's catalog or rehearsal refused its part before any
        // commit, or a check repeated under PostgreSQL's locks, or the database itself, refused it.
        await quarantineRefusedPlan(
          quarantineDeps,
          message,
          body,
          { problems: executed.problems, planHash: working.plan.planHash },
          context,
          'erasing',
        );
        return;
      }
      if (replans >= (deps.maxReplans ?? 2) || executed.afterPostgresCommit)
        // After PostgreSQL committed, a plan made again would no longer reach the Snowflake rows:
        // the redelivery runs this plan again instead.
        throw new ErasureStaleError(
          `rows changed under the erasure ${replans + 1} times (${executed.stale.map((s) => `${s.system}:${s.table}`).join(', ')}); nothing stale was changed`,
        );
      const again = await deps.eraser.replan({
        requestId: message.requestId,
        identifiers: erasureCase.identifiers,
      });
      const next = decideReplan({ running: working.plan, again, policy: deps.approval });
      if (next.action === 'refuse') {
        await quarantineRefusedPlan(
          quarantineDeps,
          message,
          body,
          { problems: next.problems, planHash: next.planHash },
          context,
          'erasing',
        );
        return;
      }
      await deps.payloads.put(
        replanKey(message.requestId, again.plan.planHash),
        canonicalJson({ findings: again.findings.findings, plan: again.plan } as unknown as CanonicalValue),
        { kind: 'erasure-plan' },
      );
      if (next.action === 'await') {
        // The new plan reaches rows the approved (or small) one did not: it is approved anew.
        await ledger.transitionAgain(
          message.requestId,
          context.traceId,
          'erasing',
          'awaiting_approval',
          next.detail,
        );
        await waitForApproval(message, body, context);
        return;
      }
      await checkpoint(message, context, numbers, 'replan', next.checkpoint);
      logger.info('rows changed since discovery: planned again', logFields(stage, context));
      working = { plan: again.plan, findings: again.findings };
    }

    // The proof is started with a whole reserve: an invocation that committed units and has less
    // left hands on, and the next one (nothing left to commit) proves whatever its time.
    if (handOn()) {
      await continueLater({ before: 'proof' });
      return;
    }
    const verification = await deps.eraser.prove({
      requestId: message.requestId,
      plan: working.plan,
      findings: working.findings,
      known: erasureCase.known,
    });
    // The evidence of what was found, without the values being erased, a part at a time (each part
    // checked against the manifest as it is read: one changed since is an integrity violation).
    for (let i = 0; i < handOff.parts.length; i++) {
      let part: Awaited<ReturnType<VerifiedFindings['readPart']>>;
      try {
        part = await handOff.readPart(i);
      } catch (error) {
        if (!(error instanceof IntegrityViolationError)) throw error;
        await quarantineIntegrity(quarantineDeps, message, body, error, context, 'erasing');
        return;
      }
      await deps.loadEvidence(part.findings, {
        message,
        evidenceHash: handOff.evidenceHash,
        part: i + 1,
        parts: handOff.parts.length,
      });
    }
    const copies =
      progress.copies ??
      (await (async () => {
        const removed = copiesForReceipt(
          await deps.removeOwnCopies({ subjectHash: message.subjectHash, requestId: message.requestId }),
        );
        await checkpoint(message, context, numbers, 'copies', { ...removed });
        return removed;
      })());
    const receipt = await deps.receipts.put(
      buildErasureReceipt({
        plan: working.plan,
        steps,
        verification,
        retention: await deps.eraser.retention(),
        completedAt: now().toISOString(),
        ownCopies: copies,
      }),
    );
    await finish(message, receipt, context);
  };
}

/** A plan made again and the findings it was made from, read back from the bucket and checked. */
async function readReplannedPlan(
  deps: EraseStageDeps,
  bucket: string,
  planHash: string,
  erasureCase: ErasureCase,
): Promise<{ plan: ErasurePlan; findings: FindingsDocument }> {
  const key = replanKey(erasureCase.requestId, planHash);
  const stored = await deps.payloads.get({ bucket, key });
  if (!stored)
    throw new IntegrityViolationError(
      'payload_checksum_mismatch',
      'a plan made again is missing from the bucket',
    );
  let raw: { plan?: unknown; findings?: Finding[] };
  try {
    raw = parseExactJson(stored.body) as unknown as { plan?: unknown; findings?: Finding[] };
  } catch {
    throw new IntegrityViolationError('findings_malformed', 'a plan made again is not JSON');
  }
  // Keys hold canonical values: plain JSON gives them back as the plan's hash was computed.
  const parsed = {
    plan: checkedPlan((JSON.parse(stored.body) as { plan?: unknown }).plan, planHash),
    findings: raw.findings ?? [],
  };
  return {
    plan: parsed.plan,
    findings: {
      requestId: erasureCase.requestId,
      subject: { hash: erasureCase.subjectHash },
      findings: reviveFindings(parsed.findings),
      counts: {},
      evidenceHash: parsed.plan.findingsHash,
    },
  };
}
