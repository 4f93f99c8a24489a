import type { Logger } from '@aws-lambda-powertools/logger';
import type { PagerDutyIncident } from '../../shared/alerting/PagerDutyClient';
import type { PayloadPointer, PayloadStore, StoredPayload } from '../../shared/payload/PayloadStore';
import type { MessageAttributes, MessageQueue, SendOptions } from '../../shared/pipeline/MessageQueue';
import type { RecordContext } from '../../shared/pipeline/RecordContext';
import type { SqsRecord } from '../../shared/pipeline/sqsEvent';
import type { GateViolationMetric } from '../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../shared/telemetry/createLogger';

/** The queues in memory: what was sent where, dead-lettered, and hidden for how long. */
export class InMemoryQueue implements MessageQueue {
  readonly sent: {
    queueUrl: string;
    body: string;
    attributes: MessageAttributes;
    delaySeconds?: number;
  }[] = [];
  readonly deadLetters: { queueUrl: string; body: string; metadata: MessageAttributes }[] = [];
  readonly visibility: { queueArn: string; receiptHandle: string; seconds: number }[] = [];

  async send(
    queueUrl: string,
    body: string,
    attributes: MessageAttributes = {},
    options: SendOptions = {},
  ): Promise<string> {
    this.sent.push({
      queueUrl,
      body,
      attributes: { ...attributes },
      ...(options.delaySeconds !== undefined ? { delaySeconds: options.delaySeconds } : {}),
    });
    return `m-${this.sent.length}`;
  }

  async sendToDeadLetter(queueUrl: string, body: string, metadata: MessageAttributes): Promise<void> {
    this.deadLetters.push({ queueUrl, body, metadata: { ...metadata } });
  }

  async changeVisibility(queueArn: string, receiptHandle: string, seconds: number): Promise<void> {
    this.visibility.push({ queueArn, receiptHandle, seconds });
  }

  /** Bodies sent to one queue, in order. */
  bodiesTo(queueUrl: string): string[] {
    return this.sent.filter((s) => s.queueUrl === queueUrl).map((s) => s.body);
  }
}

/** The payload bucket in memory. */
export class InMemoryPayloadStore implements PayloadStore {
  readonly objects = new Map<string, StoredPayload>();
  constructor(
    readonly bucket = 'payloads',
    /** Keys per page of {@link list}. */
    readonly pageSize = 1000,
  ) {}

  async put(
    key: string,
    body: string,
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<PayloadPointer> {
    this.objects.set(key, { body, metadata: { ...metadata } });
    return { bucket: this.bucket, key };
  }

  async get(pointer: PayloadPointer): Promise<StoredPayload | undefined> {
    return pointer.bucket === this.bucket ? this.objects.get(pointer.key) : undefined;
  }

  /** Pages of `pageSize` keys, in the order S3 lists them (ascending UTF-8 bytes). */
  async *list(prefix: string): AsyncIterable<readonly string[]> {
    const keys = this.keys(prefix);
    for (let i = 0; i < keys.length; i += this.pageSize) yield keys.slice(i, i + this.pageSize);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
}

/** What a stage emitted besides messages: log lines, metrics and pages. */
export interface CapturedSignals {
  readonly lines: string[];
  readonly logger: Logger;
  readonly violations: GateViolationMetric[];
  readonly metrics: { gateViolation(m: GateViolationMetric): void };
  readonly pages: PagerDutyIncident[];
  readonly pagerDuty: { trigger(incident: PagerDutyIncident): Promise<string> };
}

export function captureSignals(): CapturedSignals {
  const lines: string[] = [];
  const violations: GateViolationMetric[] = [];
  const pages: PagerDutyIncident[] = [];
  return {
    lines,
    logger: createLogger({ sink: (line) => lines.push(line) }),
    violations,
    metrics: { gateViolation: (m) => violations.push(m) },
    pages,
    pagerDuty: {
      trigger: async (incident) => {
        pages.push(incident);
        return `dedup-${pages.length}`;
      },
    },
  };
}

/** An SQS record as the event source mapping delivers it. */
export function sqsRecord(body: string, options: { id?: string; receiveCount?: number } = {}): SqsRecord {
  const id = options.id ?? 'm1';
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: { ApproximateReceiveCount: String(options.receiveCount ?? 1) },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:dsr-queue',
    awsRegion: 'eu-west-1',
  };
}

/** The context the record processor gives a stage for one record. */
export function recordContext(
  body: string,
  options: { id?: string; receiveCount?: number } = {},
): RecordContext {
  return {
    record: sqsRecord(body, options),
    attempt: options.receiveCount ?? 1,
    traceId: 'trace-1',
    scrub: new Set(),
  };
}
