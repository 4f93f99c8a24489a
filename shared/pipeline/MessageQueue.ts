/** String attributes sent with a message (SQS message attributes). Codes and hashes only. */
export type MessageAttributes = Readonly<Record<string, string>>;

/** How a message is sent. */
export interface SendOptions {
  /** 0–900. */
  readonly delaySeconds?: number;
}

/** The SQS operations the stages use. */
export interface MessageQueue {
  /**
   * Sends a message; resolves to its message id. `delaySeconds` (0–900, SQS's limit) keeps it
   * invisible that long after it is sent.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
   */
  send(
    queueUrl: string,
    body: string,
    attributes?: MessageAttributes,
    options?: SendOptions,
  ): Promise<string | undefined>;
  /** Sends a message to a dead-letter queue with its failure metadata as attributes. */
  sendToDeadLetter(queueUrl: string, body: string, metadata: MessageAttributes): Promise<void>;
  /**
   * Hides a received message for `seconds` more, counted from now, so it comes back after a backoff.
   * `queueArn` is the record's `eventSourceARN`.
   */
  changeVisibility(queueArn: string, receiptHandle: string, seconds: number): Promise<void>;
}

/** Moves dead-lettered messages back (SQS `StartMessageMoveTask`). */
export interface MessageMover {
  /**
   * Starts moving every message of the dead-letter queue `deadLetterArn` back to the queue whose
   * redrive policy points at it. Returns `already_running` when a move task is in progress.
   */
  redrive(deadLetterArn: string): Promise<RedriveOutcome>;
}

export type RedriveOutcome =
  | { readonly status: 'started'; readonly destinationArn: string; readonly messages: number }
  | { readonly status: 'already_running' }
  | { readonly status: 'empty' };

/** A message received from a dead-letter queue. */
export interface InboxMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** `ApproximateReceiveCount` as SQS reports it (this receive included). */
  readonly receiveCount: number;
}

/** Reading a dead-letter queue directly (the dead-letter recorder). */
export interface DeadLetterInbox {
  /** Up to 10 visible messages, hidden for `visibilitySeconds`. */
  receive(queueUrl: string, visibilitySeconds: number): Promise<readonly InboxMessage[]>;
  delete(queueUrl: string, receiptHandle: string): Promise<void>;
  /** Makes a received message visible again at once. */
  release(queueUrl: string, receiptHandle: string): Promise<void>;
}
