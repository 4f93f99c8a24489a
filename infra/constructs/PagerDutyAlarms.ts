import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** How an alarm on a custom metric judges its value; see {@link PagerDutyAlarms.metric}. */
export interface MetricAlarmOptions {
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default NOT_BREACHING (the metric is published only when something happens) */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

export interface PagerDutyAlarmsProps {
  readonly encryptionKey: kms.IKey;
  /** PagerDuty CloudWatch integration URL (https://events.pagerduty.com/integration/…/enqueue). */
  readonly pagerDutyUrl?: string;
}

/**
 * Alarms that page: each goes to one KMS-encrypted SNS topic whose HTTPS subscription is the
 * PagerDuty CloudWatch integration, so ALARM opens an incident and OK resolves it.
 * https://support.pagerduty.com/main/docs/amazon-cloudwatch-integration-guide
 */
export class PagerDutyAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PagerDutyAlarmsProps) {
    super(scope, id);
    if (props.pagerDutyUrl !== undefined && !/^https:\/\/[^\s]+$/.test(props.pagerDutyUrl)) {
      throw new Error(
        `${id}: pagerDutyUrl must be an https:// URL (given ${JSON.stringify(props.pagerDutyUrl)})`,
      );
    }
    this.topic = new sns.Topic(this, 'Topic', { masterKey: props.encryptionKey, enforceSSL: true });
    if (props.pagerDutyUrl) {
      this.topic.addSubscription(
        new subscriptions.UrlSubscription(props.pagerDutyUrl, { protocol: sns.SubscriptionProtocol.HTTPS }),
      );
    }
  }

  /** Pages on any message in a dead-letter queue. */
  deadLetters(id: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.add(
      id,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      1,
      `Messages are waiting in ${id}: requests were dead-lettered`,
    );
  }

  /** Pages when the oldest message of a queue is older than the threshold. */
  oldestMessage(id: string, queue: sqs.IQueue, threshold: Duration): cloudwatch.Alarm {
    return this.add(
      id,
      queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold.toSeconds(),
      `The oldest request in ${id} is older than ${threshold.toHumanString()}`,
    );
  }

  /** Pages on function errors and on throttles. */
  functionHealth(id: string, fn: lambda.IFunction): void {
    this.add(
      `${id}Errors`,
      fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      `${id} failed`,
    );
    this.add(
      `${id}Throttles`,
      fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      `${id} was throttled`,
    );
  }

  /**
   * Pages on any value of a metric reaching the threshold (e.g. ComplianceGateViolation ≥ 1), or,
   * with `options`, falling below it (e.g. DataMapCoverage < 95).
   */
  metric(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    options: MetricAlarmOptions = {},
  ): cloudwatch.Alarm {
    return this.add(id, metric, threshold, description, options);
  }

  private add(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    options: MetricAlarmOptions = {},
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator:
        options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
