import { S3PayloadStore } from '../../../../adapters/aws/S3PayloadStore';
import { SqsMessageQueue } from '../../../../adapters/aws/SqsMessageQueue';
import { LocalEventSourcePoller } from '../../../../local/aws/LocalEventSourcePoller';
import { pollersFor } from '../../../../local/aws/pollersFor';
import { type LocalAws, type PipelineQueueName, startLocalAws } from '../../../../local/aws/startLocalAws';
import { startLocalPagerDuty } from '../../../../local/pipeline/LocalPagerDuty';
import { PagerDutyClient } from '../../../../shared/alerting/PagerDutyClient';
import {
  buildFindingsDocument,
  type Finding,
  type FindingsDocument,
} from '../../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../../shared/discovery/FindingsStream';
import { normalizeIdentifier } from '../../../../shared/identity/normalizeIdentifier';
import { subjectHash } from '../../../../shared/identity/subjectHash';
import type { IntakeRequest } from '../../../../shared/intake/IntakeRequest';
import { createRecordProcessor } from '../../../../shared/pipeline/createRecordProcessor';
import type { MessageQueue } from '../../../../shared/pipeline/MessageQueue';
import { extractStage } from '../../../../shared/pipeline/stages/extractStage';
import { type DriftVerdict, gateStage } from '../../../../shared/pipeline/stages/gateStage';
import { loadStage } from '../../../../shared/pipeline/stages/loadStage';
import type { DependencyBreakers } from '../../../../shared/resilience/DependencyBreakers';
import { ComplianceMetrics } from '../../../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../../../shared/telemetry/createLogger';
import { InMemoryLedger } from '../../../support/InMemoryLedger';
import { scopeLocalAws } from '../../../support/scopeLocalAws';

export const HASH_KEY = 'k'.repeat(32);
const IDENTITY_KINDS = { email: 'lowercase', user_id: 'none', phone: 'digits' } as const;

/** Everything a pipeline test drives and inspects. */
export interface PipelineHarness {
  readonly aws: LocalAws;
  readonly ledger: InMemoryLedger;
  readonly logs: string[];
  readonly metrics: string[];
  readonly pages: Record<string, unknown>[];
  readonly visibilityChanges: { queueArn: string; seconds: number }[];
  /** Each request's findings as the load stage landed them (its parts joined in order). */
  readonly loaded: FindingsDocument[];
  /** Every part the load stage landed, in order. */
  readonly loadedParts: { requestId: string; part: number; parts: number; rows: number }[];
  /** Every message a stage sent on. */
  readonly sent: { queueUrl: string; body: string }[];
  readonly pollers: Record<PipelineQueueName, LocalEventSourcePoller>;
  /** Replace to make discovery fail or return something else. */
  discover: (request: IntakeRequest) => Promise<FindingsDocument>;
  checkDrift: (tables: readonly string[]) => Promise<DriftVerdict>;
  /**
   * Whether a message returned for a retry stays hidden for its backoff, as SQS keeps it (the
   * default), or comes back at once: the visibility change is still made with the backoff's seconds
   * (and recorded in {@link visibilityChanges}), then the message is made visible again, so a test
   * of the backoff's growth need not wait it out.
   */
  waitOutBackoff: boolean;
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function intakeBody(
  requestId: string,
  subject: Record<string, string | string[]>,
  extra = {},
): string {
  return JSON.stringify({
    version: 1,
    requestId,
    type: 'access',
    subject,
    jurisdiction: 'GDPR',
    receivedAt: new Date().toISOString(),
    ...extra,
  });
}

export function hashOf(subject: IntakeRequest['subject']): string {
  const normalized: Record<string, string[]> = {};
  for (const [kind, values] of Object.entries(subject)) {
    const rule = IDENTITY_KINDS[kind as keyof typeof IDENTITY_KINDS] ?? 'none';
    normalized[kind] = values.map((v) => normalizeIdentifier(v, rule));
  }
  return subjectHash(HASH_KEY, normalized);
}

/** Findings with one row that carries the subject's first identifier (so leaks are detectable). */
export function findingsFor(request: IntakeRequest): FindingsDocument {
  const email = Object.values(request.subject).flat()[0] ?? '';
  return buildFindingsDocument({
    requestId: request.requestId,
    subjectHash: hashOf(request.subject),
    tables: [
      {
        system: 'postgres',
        table: 'public.users',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 1 },
            provenance: [
              { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
            ],
            row: { id: 1, email },
          },
        ],
      },
    ],
  });
}

/**
 * Wires the stages over local SQS and S3. Given `aws` (a file's `startLocalAws`, started once in
 * `beforeAll`), the harness gets its own queues and bucket there and its `stop()` leaves the
 * servers running; without it, the harness starts and stops its own.
 */
export async function startPipelineHarness(
  options: {
    aws?: LocalAws;
    breakers?: DependencyBreakers;
    claimCheckBytes?: number;
    partBytes?: number;
  } = {},
): Promise<PipelineHarness> {
  const aws = options.aws
    ? await scopeLocalAws(options.aws, { maxReceiveCount: 5 })
    : await startLocalAws({ maxReceiveCount: 5 });
  const pagerDuty = await startLocalPagerDuty();
  const ledger = new InMemoryLedger();
  const logs: string[] = [];
  const metricLines: string[] = [];
  const visibilityChanges: { queueArn: string; seconds: number }[] = [];
  const loaded: FindingsDocument[] = [];
  const loadedParts: PipelineHarness['loadedParts'] = [];
  const sent: { queueUrl: string; body: string }[] = [];
  const logger = createLogger({ sink: (line) => logs.push(line) });
  const sqsQueue = new SqsMessageQueue(aws.sqs);
  const queue: MessageQueue = {
    send: (url, body, attributes) => {
      sent.push({ queueUrl: url, body });
      return sqsQueue.send(url, body, attributes);
    },
    sendToDeadLetter: (url, body, metadata) => sqsQueue.sendToDeadLetter(url, body, metadata),
    changeVisibility: async (queueArn, handle, seconds) => {
      visibilityChanges.push({ queueArn, seconds });
      await sqsQueue.changeVisibility(queueArn, handle, seconds);
      if (!harness.waitOutBackoff) await sqsQueue.changeVisibility(queueArn, handle, 0);
    },
  };
  const payloads = new S3PayloadStore(aws.s3, { bucket: aws.bucket, kmsKeyId: 'alias/dsr-bridge' });
  const { queues } = aws;

  const harness = {
    aws,
    ledger,
    logs,
    metrics: metricLines,
    pages: pagerDuty.events,
    visibilityChanges,
    loaded,
    loadedParts,
    sent,
    discover: async (request: IntakeRequest) => findingsFor(request),
    waitOutBackoff: true,
    checkDrift: async (): Promise<DriftVerdict> => ({
      status: 'COMPLIANT',
      halt: false,
      findings: [],
      driftPercent: 0,
    }),
  } as unknown as PipelineHarness;

  const common = {
    ledger,
    queue,
    payloads,
    logger,
    ...(options.breakers ? { breakers: options.breakers } : {}),
  };
  const processor = (
    stage: string,
    deadLetterQueueUrl: string,
    work: Parameters<typeof createRecordProcessor>[1],
  ) =>
    createRecordProcessor(
      {
        stage,
        deadLetterQueueUrl,
        queue,
        payloads,
        ledger,
        logger,
        backoff: { baseSeconds: 1, random: () => 0.999 },
      },
      work,
    );
  const extract = (priority: 'high' | 'standard') =>
    processor(
      `extract-${priority}`,
      queues[priority].deadLetterUrl,
      extractStage({
        ...common,
        stage: `extract-${priority}`,
        priority,
        nextQueueUrl: queues.gate.url,
        highQueueUrl: queues.high.url,
        identityKinds: Object.keys(IDENTITY_KINDS),
        hashSubject: hashOf,
        discover: async (request) => findingsSourceOf(await harness.discover(request)),
        ...(options.claimCheckBytes !== undefined ? { claimCheckBytes: options.claimCheckBytes } : {}),
        ...(options.partBytes !== undefined ? { partBytes: options.partBytes } : {}),
      }),
    );
  const handlers = {
    high: extract('high'),
    standard: extract('standard'),
    gate: processor(
      'gate',
      queues.gate.deadLetterUrl,
      gateStage({
        ...common,
        stage: 'gate',
        nextQueueUrl: queues.load.url,
        checkDrift: (tables) => harness.checkDrift(tables),
        metrics: new ComplianceMetrics((line) => metricLines.push(line)),
        pagerDuty: new PagerDutyClient({
          endpoint: pagerDuty.url,
          routingKey: { get: async () => 'ROUTING-KEY' },
        }),
      }),
    ),
    load: processor(
      'load',
      queues.load.deadLetterUrl,
      loadStage({
        ...common,
        stage: 'load',
        metrics: new ComplianceMetrics((line) => metricLines.push(line)),
        continueQueueUrl: queues.load.url,
        loadPart: async (findings, { message, evidenceHash, part, parts }) => {
          loadedParts.push({ requestId: message.requestId, part, parts, rows: findings.length });
          const last = loaded.at(-1);
          if (part > 1 && last?.requestId === message.requestId && last.evidenceHash === evidenceHash)
            (last.findings as Finding[]).push(...findings);
          else
            loaded.push({
              requestId: message.requestId,
              subject: { hash: message.subjectHash },
              evidenceHash,
              counts: {},
              findings: [...findings],
            });
        },
      }),
    ),
  };
  const pollers = pollersFor(aws, handlers);

  Object.assign(harness, {
    pollers,
    drain: (timeoutMs = 20_000) =>
      LocalEventSourcePoller.drain([pollers.high, pollers.standard, pollers.gate, pollers.load], {
        timeoutMs,
      }),
    stop: async () => {
      await aws.stop();
      await pagerDuty.stop();
    },
  });
  return harness;
}
