import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface CompletionTopicProps {
  /** The key the topic's messages are encrypted with (SSE-KMS). */
  readonly encryptionKey: kms.IKey;
}

/**
 * The topic intake systems subscribe to, told when a request reaches a terminal state (request id,
 * type, state, package location and hashes; never an identifier or value; see
 * `shared/pipeline/CompletionEvent.ts`). Encrypted with the stack's key, TLS only (its topic policy
 * denies any request without `aws:SecureTransport`), and each publisher ({@link addPublisher}) is
 * given `sns:Publish` on this topic alone; the stack puts its ARN in their `COMPLETION_TOPIC_ARN`.
 * A topic nobody publishes to fails the synth.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html
 */
export class CompletionTopic extends Construct {
  readonly topic: sns.Topic;
  private publishers = 0;

  constructor(scope: Construct, id: string, props: CompletionTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Resource', {
      displayName: 'dsr-bridge: request completed',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.node.addValidation({
      validate: () =>
        this.publishers === 0 ? [`${id}: publishers must name at least one function (given none)`] : [],
    });
  }

  /** Lets a function that announces terminal states publish to this topic, and to nothing else. */
  addPublisher(fn: lambda.IFunction): void {
    this.topic.grantPublish(fn);
    this.publishers += 1;
  }
}
