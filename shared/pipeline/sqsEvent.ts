/**
 * The parts of Lambda's SQS event the pipeline reads.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 */
export interface SqsMessageAttributeValue {
  readonly stringValue?: string;
  readonly dataType: string;
}

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string | undefined>> & {
    readonly ApproximateReceiveCount: string;
  };
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttributeValue>>;
  readonly md5OfBody?: string;
  readonly eventSource: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsEvent {
  readonly Records: SqsRecord[];
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** The part of Lambda's context object the pipeline reads. */
export interface InvocationContext {
  /** https://docs.aws.amazon.com/lambda/latest/dg/typescript-context.html */
  getRemainingTimeInMillis(): number;
}

/** A Lambda handler over an SQS event source that reports partial batch failures. */
export type SqsBatchHandler = (event: SqsEvent, context?: InvocationContext) => Promise<SqsBatchResponse>;
