import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface CompletionTopicProps {
  /** The key the topic's messages are encrypted with (SSE-KMS). */
  readonly encryptionKey: kms.IKey;
  /** The functions that write terminal states: each may publish to this topic and nothing else. */
  readonly publishers: readonly (lambda.Function & { readonly role?: iam.IRole })[];
}

/**
 * The topic intake systems subscribe to, told when a request reaches a terminal state (request id,
 * type, state, package location and hashes; never an identifier or value; see
 * `shared/pipeline/CompletionEvent.ts`). Encrypted with the stack's key, TLS only (its topic policy
 * denies any request without `aws:SecureTransport`), and each publisher is given `sns:Publish` on
 * this topic alone, with its ARN as `COMPLETION_TOPIC_ARN`.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html
 */
export class CompletionTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: CompletionTopicProps) {
    super(scope, id);
    if (props.publishers.length === 0)
      throw new Error(`${id}: publishers must name at least one function (given none)`);
    this.topic = new sns.Topic(this, 'Resource', {
      displayName: 'dsr-bridge: request completed',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    for (const fn of props.publishers) {
      this.topic.grantPublish(fn);
      fn.addEnvironment('COMPLETION_TOPIC_ARN', this.topic.topicArn);
    }
  }
}
