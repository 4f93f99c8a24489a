import { type App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { CompletionTopic } from '../../infra/constructs/CompletionTopic';
import type { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import { logicalId, synthesize, testApp } from './synthesize';

let stack: DsrBridgeStack;
let template: Template;
let app: App;

beforeAll(() => {
  const built = synthesize({ pagerDutyUrl: 'https://events.pagerduty.com/integration/abc123/enqueue' });
  stack = built.stack;
  app = built.app;
  template = built.template();
  // The first synthesis in a process loads aws-cdk-lib, which takes a while on a busy machine.
}, 180_000);

describe('Construct: CompletionTopic', () => {
  it('encrypts the topic with the stack key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'dsr-bridge: request completed',
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack, stack.bridge.key), 'Arn'] },
    });
  });

  it('refuses every request to the topic that is not over TLS (its topic policy)', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalId(stack, stack.bridge.completions.topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('tells each function that writes terminal states, and the deadline check that sweeps for unannounced ones, where to publish, and no other function', () => {
    const topicRef = { Ref: logicalId(stack, stack.bridge.completions.topic) };
    for (const fn of ['gate', 'load', 'erase', 'deadLetterRecorder', 'deadlineCheck'] as const)
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Role: { 'Fn::GetAtt': [logicalId(stack, stack.bridge.functions[fn].role), 'Arn'] },
        Environment: { Variables: Match.objectLike({ COMPLETION_TOPIC_ARN: topicRef }) },
      });
    const others = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) =>
        (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables?.COMPLETION_TOPIC_ARN !== undefined,
    );
    expect(others).toHaveLength(5);
  });

  it('synthesises with the topic and no unacknowledged cdk-nag finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('fails if no function may publish', () => {
    const freshApp = testApp();
    const fresh = new Stack(freshApp, 'Fresh');
    new CompletionTopic(fresh, 'Completions', { encryptionKey: new kms.Key(fresh, 'Key') });
    expect(() => freshApp.synth()).toThrow(
      'Completions: publishers must name at least one function (given none)',
    );
  });
});
