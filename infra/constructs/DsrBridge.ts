import { join } from 'node:path';
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FunctionName } from '../../functions/functionConfigs';
import { BUNDLED_DATA_MAP, functionEnvironments } from '../../functions/functionEnvironments';
import { DAYS_LEFT_BUCKETS } from '../../shared/audit/checkDeadlines';
import { packageFile } from '../../shared/package/packageFile';
import { PAYLOAD_PREFIXES } from '../../shared/payload/PayloadStore';
import { OPEN_REQUESTS_METRIC } from '../../shared/telemetry/ComplianceMetrics';
import { acknowledgeNagFindings } from '../acknowledgeNagFindings';
import type { DsrBridgeProps } from '../DsrBridgeProps';
import { type BridgeSettings, resolveBridgeSettings } from '../resolveBridgeSettings';
import { AnchorBucket } from './AnchorBucket';
import type { BridgeSecrets } from './BridgeSecrets';
import { CompletionTopic } from './CompletionTopic';
import { FailedPayloadBucket } from './FailedPayloadBucket';
import { PagerDutyAlarms } from './PagerDutyAlarms';
import { PipelineQueue } from './PipelineQueue';
import { PAYLOAD_WRITES } from './payloadWrites';
import { type FunctionNetwork, StageFunction, type StageFunctionProps } from './StageFunction';

const ROOT = packageFile('.');
/** Each function's timeout; the heavy-pipeline bench plays them. */
export const TIMEOUTS = {
  extract: Duration.minutes(2),
  gate: Duration.minutes(1),
  // Parts are loaded while time remains; the subject's package, written after the last part, gets
  // an invocation of its own when the parts left too little time for it (`loadStage`). Five minutes
  // holds the package of a million rows at the stage's expected 0.25 ms a row (about 250 s).
  load: Duration.minutes(5),
  // A whole erasure of a 100,000-row subject (discovery, plan, check, one transaction, proof by
  // re-discovery) took about 12 s locally (`npm run bench -- --only erasure`). The stage adds the
  // ledger, the valueless evidence and the receipt in Snowflake, and plans again (a fresh
  // discovery) up to twice when rows change under it. Five minutes leaves room for a production
  // database several times slower; the queue's visibility is six times this (30 min).
  erase: Duration.minutes(5),
  redrive: Duration.minutes(1),
  deadLetterRecorder: Duration.minutes(2),
  // Samples every table of both systems, a few at a time; no queue waits on it.
  scan: Duration.minutes(10),
  // Reads the whole ledger once an hour.
  deadlineCheck: Duration.minutes(5),
};

/**
 * Everything dsr-bridge needs in AWS, secure by default, as one construct to add to any stack
 * (`DsrBridgeStack` is the stack that holds only it): intake and stage queues with dead-letter
 * queues, the stage functions, secrets, the failed-payload bucket, the redrive schedule, the weekly
 * data-map coverage scan, alarms that page, and a dashboard. The PostgreSQL database and the Snowflake account exist already.
 *
 * Construct IDs are a contract: renaming one replaces the resource in the account. Its cdk-nag
 * findings are acknowledged, each with its reason (`acknowledgeNagFindings`); anything else fails
 * a synth that runs cdk-nag's AWS Solutions checks.
 */
export class DsrBridge extends Construct {
  readonly key: kms.Key;
  readonly queues: Record<'high' | 'standard' | 'gate' | 'load' | 'erase', PipelineQueue>;
  readonly functions: Record<
    | 'extractHigh'
    | 'extractStandard'
    | 'gate'
    | 'load'
    | 'erase'
    | 'redrive'
    | 'scan'
    | 'deadLetterRecorder'
    | 'deadlineCheck',
    StageFunction
  >;
  readonly payloads: FailedPayloadBucket;
  readonly anchors: AnchorBucket;
  /** Where intake systems are told that a request is finished. */
  readonly completions: CompletionTopic;
  readonly alerting: PagerDutyAlarms;
  readonly secrets: BridgeSecrets;
  /** The props, validated and with their defaults. */
  readonly settings: BridgeSettings;
  /** Why the extractors search Snowflake (from the data map), or undefined when they do not. */
  readonly extractorSnowflake: string | undefined;
  /** Whether the data map deletes or masks Snowflake rows (the erase function then holds the erasure user). */
  readonly erasesSnowflake: boolean;
  readonly postgresRotation: secretsmanager.RotationSchedule | undefined;
  readonly postgresErasureRotation: secretsmanager.RotationSchedule | undefined;

  constructor(scope: Construct, id: string, props: DsrBridgeProps = {}) {
    super(scope, id);
    const settings = resolveBridgeSettings(props);
    this.settings = settings;
    this.extractorSnowflake = settings.extractorSnowflake;
    this.erasesSnowflake = settings.environment.erasesSnowflake;
    const network = props.network ?? (props.networkIds ? this.importNetwork(props.networkIds) : undefined);
    this.key = new kms.Key(this, 'Key', {
      description: 'dsr-bridge: queues, payload bucket, logs, secrets and alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch Logs and CloudWatch alarms (publishing to the encrypted topic) use the key too.
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Stack.of(this).region}.amazonaws.com`));
    this.key.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );

    this.secrets = {
      postgres: this.secret('PostgresSecret', props.postgresSecretArn, {
        description: 'dsr-bridge: PostgreSQL credentials (RDS JSON: host, port, username, password, dbname)',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({
            host: 'CHANGE-ME',
            port: 5432,
            username: 'dsr_reader',
            dbname: 'postgres',
          }),
          generateStringKey: 'password',
          excludePunctuation: true,
        },
      }),
      snowflake: this.secret('SnowflakeSecret', props.snowflakeSecretArn, {
        description:
          'dsr-bridge: Snowflake key-pair private key ({"privateKey": "-----BEGIN PRIVATE KEY-----…"})',
      }),
      subjectHashKey: this.secret('SubjectHashKeySecret', props.subjectHashKeySecretArn, {
        description: 'dsr-bridge: HMAC key of the subject hash',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      }),
      pagerDutyRoutingKey: this.secret('PagerDutyRoutingKeySecret', props.pagerDutyRoutingKeySecretArn, {
        description: 'dsr-bridge: PagerDuty Events API v2 routing key',
      }),
      postgresErasure: this.secret('PostgresErasureSecret', props.pgErasureSecretArn, {
        description:
          'dsr-bridge: PostgreSQL credentials of the erasure role, the only one that writes the source database (RDS JSON: host, port, username, password, dbname)',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({
            host: 'CHANGE-ME',
            port: 5432,
            username: 'dsr_erasure',
            dbname: 'postgres',
          }),
          generateStringKey: 'password',
          excludePunctuation: true,
        },
      }),
      erasureMaskKey: this.secret('ErasureMaskKeySecret', props.erasureMaskKeySecretArn, {
        description: 'dsr-bridge: HMAC key of keyed-hash masks',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      }),
      ...(this.erasesSnowflake
        ? {
            snowflakeErasure: this.secret('SnowflakeErasureSecret', props.snowflakeErasureSecretArn, {
              description:
                'dsr-bridge: key-pair private key of the Snowflake user the erase function deletes and masks rows with ({"privateKey": "-----BEGIN PRIVATE KEY-----…"})',
            }),
          }
        : {}),
      ...(this.extractorSnowflake
        ? {
            snowflakeReader: this.secret('SnowflakeReaderSecret', props.snowflakeReaderSecretArn, {
              description:
                'dsr-bridge: key-pair private key of the read-only Snowflake user the extractors search with ({"privateKey": "-----BEGIN PRIVATE KEY-----…"})',
            }),
          }
        : {}),
    };
    // Both PostgreSQL roles rotate the same way (hosted single-user rotation, through the network
    // that reaches the database) or neither does.
    const rotate = (id: string, secret: secretsmanager.ISecret) =>
      new secretsmanager.RotationSchedule(this, id, {
        secret,
        hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser(
          network
            ? { vpc: network.vpc, vpcSubnets: network.subnets, securityGroups: network.securityGroups }
            : {},
        ),
        automaticallyAfter: Duration.days(30),
      });
    this.postgresRotation = props.rotatePostgresSecret
      ? rotate('PostgresSecretRotation', this.secrets.postgres)
      : undefined;
    this.postgresErasureRotation = props.rotatePostgresSecret
      ? rotate('PostgresErasureSecretRotation', this.secrets.postgresErasure)
      : undefined;

    this.payloads = new FailedPayloadBucket(this, 'FailedPayloads', {
      encryptionKey: this.key,
      retentionDays: props.payloadRetentionDays,
    });
    this.anchors = new AnchorBucket(this, 'LedgerAnchors', {
      encryptionKey: this.key,
      accessLogs: this.payloads.accessLogs,
      retentionDays: props.anchorRetentionDays,
    });
    const queue = (name: string, consumerTimeout: Duration) =>
      new PipelineQueue(this, name, {
        encryptionKey: this.key,
        consumerTimeout,
        maxReceiveCount: settings.environment.maxReceiveCount,
      });
    this.queues = {
      high: queue('HighIntake', TIMEOUTS.extract),
      standard: queue('StandardIntake', TIMEOUTS.extract),
      gate: queue('GateStage', TIMEOUTS.gate),
      load: queue('LoadStage', TIMEOUTS.load),
      erase: queue('EraseStage', TIMEOUTS.erase),
    };

    // The topic comes before its publishers: its ARN is part of their environment.
    this.completions = new CompletionTopic(this, 'CompletionTopic', { encryptionKey: this.key });
    const queueReference = (q: PipelineQueue) => ({
      url: q.queue.queueUrl,
      arn: q.queue.queueArn,
      deadLetterUrl: q.deadLetterQueue.queueUrl,
      deadLetterArn: q.deadLetterQueue.queueArn,
    });
    const environments = functionEnvironments(settings.environment, {
      queues: {
        high: queueReference(this.queues.high),
        standard: queueReference(this.queues.standard),
        gate: queueReference(this.queues.gate),
        load: queueReference(this.queues.load),
        erase: queueReference(this.queues.erase),
      },
      payloadBucket: this.payloads.bucket.bucketName,
      payloadKeyArn: this.key.keyArn,
      anchorBucket: this.anchors.bucket.bucketName,
      completionTopicArn: this.completions.topic.topicArn,
      secrets: {
        postgres: this.secrets.postgres.secretArn,
        postgresErasure: this.secrets.postgresErasure.secretArn,
        erasureMaskKey: this.secrets.erasureMaskKey.secretArn,
        snowflake: this.secrets.snowflake.secretArn,
        subjectHashKey: this.secrets.subjectHashKey.secretArn,
        pagerDutyRoutingKey: this.secrets.pagerDutyRoutingKey.secretArn,
        ...(this.secrets.snowflakeReader ? { snowflakeReader: this.secrets.snowflakeReader.secretArn } : {}),
        ...(this.secrets.snowflakeErasure
          ? { snowflakeErasure: this.secrets.snowflakeErasure.secretArn }
          : {}),
      },
    });
    const assets: [string, string][] = [[settings.dataMapFile, BUNDLED_DATA_MAP]];
    const fn = (
      id: string,
      name: FunctionName,
      stage: keyof NonNullable<DsrBridgeProps['entries']>,
      options: Partial<StageFunctionProps> = {},
    ) =>
      new StageFunction(this, id, {
        entry: props.entries?.[stage] ?? join(ROOT, 'functions', stage, 'handler.ts'),
        timeout: TIMEOUTS[name === 'extractHigh' || name === 'extractStandard' ? 'extract' : name],
        encryptionKey: this.key,
        assets,
        environment: environments[name],
        ...options,
      });
    // Without Snowflake tables in the data map the extractors never load its driver: keep it out
    // of their bundles. With them, it is bundled and evaluated on first use (`import()`).
    const extractorModules = this.extractorSnowflake ? [] : ['snowflake-sdk'];
    this.functions = {
      // An extractor plans an erasure from the subject's rows held in memory, within a limit that
      // follows this memory (`DSR_ERASE_PLAN_HEAP_MIB`, from Lambda's `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
      extractHigh: fn('ExtractHigh', 'extractHigh', 'extract', {
        network,
        externalModules: extractorModules,
        memorySize: settings.extractMemoryMiB,
      }),
      extractStandard: fn('ExtractStandard', 'extractStandard', 'extract', {
        network,
        externalModules: extractorModules,
        memorySize: settings.extractMemoryMiB,
      }),
      gate: fn('Gate', 'gate', 'gate', { network }),
      load: fn('Load', 'load', 'load'),
      // Deletes and masks the subject's rows: the only function given credentials that write the
      // source databases. In the VPC like the extractors: it re-reads PostgreSQL before and after.
      // The plan's row keys and what the change and the proof need of the findings are held at once
      // (see the README's "Erasure in the pipeline", memory).
      erase: fn('Erase', 'erase', 'erase', { network, memorySize: settings.eraseMemoryMiB }),
      redrive: fn('Redrive', 'redrive', 'redrive', { assets: undefined }),
      deadLetterRecorder: fn('DeadLetterRecorder', 'deadLetterRecorder', 'dead-letter-recorder'),
      // Reads both systems like the extractors and the gate, through the same network. Up to four
      // tables' samples (1000 rows, text cut at 4 KB) are held at once.
      scan: fn('Scan', 'scan', 'scan', { network, memorySize: 1024 }),
      deadlineCheck: fn('DeadlineCheck', 'deadlineCheck', 'deadline-check'),
    };
    this.anchors.grantWriteAnchors(this.functions.deadlineCheck.role);
    // The functions that write terminal states, and the deadline check, whose hourly sweep announces
    // terminal requests whose event was never published.
    for (const name of ['gate', 'load', 'erase', 'deadLetterRecorder', 'deadlineCheck'] as const)
      this.completions.addPublisher(this.functions[name].function);
    this.wireStages(settings.highConcurrency, settings.standardConcurrency);
    const { expression, rate } = scheduler.ScheduleExpression;
    // Hourly: an open request crossing its alarm share pages within the hour.
    this.schedule(
      'DeadlineCheckSchedule',
      'page for requests near or past their deadline; anchor the ledger daily',
      this.functions.deadlineCheck,
      rate(Duration.hours(1)),
      'deadline-check',
    );
    this.schedule(
      'RedriveSchedule',
      'move dead-lettered requests back in the maintenance window',
      this.functions.redrive,
      expression(settings.maintenanceWindow),
      'maintenance-window',
    );
    // Every five minutes: a silent dead letter is recorded and paged within minutes.
    this.schedule(
      'DeadLetterRecorderSchedule',
      'record dead letters that SQS moved without an envelope',
      this.functions.deadLetterRecorder,
      rate(Duration.minutes(5)),
      'dead-letter-recorder',
    );
    this.schedule(
      'ScanSchedule',
      'scan both systems for PII the data map does not reach',
      this.functions.scan,
      expression(settings.scanSchedule),
      'coverage-scan',
    );

    this.alerting = new PagerDutyAlarms(this, 'Alerting', {
      encryptionKey: this.key,
      pagerDutyUrl: props.pagerDutyUrl,
    });
    if (!props.pagerDutyUrl) {
      Annotations.of(this).addWarningV2(
        'dsr-bridge:no-pagerduty',
        'No pagerDutyUrl: alarms publish to the SNS topic, but nothing pages. Set the context value pagerDutyUrl.',
      );
    }
    const threshold = props.oldestRequestAge ?? Duration.hours(1);
    for (const [name, q] of Object.entries(this.queues))
      this.alerting.deadLetters(`${name}DeadLetters`, q.deadLetterQueue);
    this.alerting.oldestMessage('highOldestRequest', this.queues.high.queue, threshold);
    this.alerting.oldestMessage('standardOldestRequest', this.queues.standard.queue, threshold);
    // A plan waiting for approval is sent again (a new message) every DSR_APPROVAL_POLL_SECONDS, so
    // an erase message older than the threshold means the erase function is not consuming its queue.
    this.alerting.oldestMessage('eraseOldestRequest', this.queues.erase.queue, threshold);
    for (const [name, fn] of Object.entries(this.functions)) this.alerting.functionHealth(name, fn.function);
    const violations = new cloudwatch.Metric({
      namespace: 'DsrBridge',
      metricName: 'ComplianceGateViolation',
      dimensionsMap: { service: 'dsr-bridge' },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
    this.alerting.metric(
      'complianceGateViolation',
      violations,
      1,
      'A request was halted by the compliance gate',
    );
    const pipelineMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'DsrBridge',
        metricName,
        dimensionsMap: { service: 'dsr-bridge' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.alerting.metric(
      'internalError',
      pipelineMetric('InternalError'),
      1,
      'A record was dead-lettered as INTERNAL_ERROR: a bug or a value the code cannot handle (see the fingerprint in the dead-letter envelope)',
    );
    this.alerting.metric(
      'silentDeadLetter',
      pipelineMetric('SilentDeadLetter'),
      1,
      'A handler failed without classifying the failure and SQS dead-lettered the message (recorded by the dead-letter recorder)',
    );
    const scanMetrics = this.alarmOnCoverage(settings.minCoveragePercent);
    this.dashboard(violations, scanMetrics, settings.minCoveragePercent);
    acknowledgeNagFindings(this);
  }

  private importNetwork(ids: NonNullable<DsrBridgeProps['networkIds']>): FunctionNetwork {
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: ids.vpcId,
      availabilityZones: ids.availabilityZones,
      privateSubnetIds: ids.privateSubnetIds,
    });
    return {
      vpc,
      subnets: { subnets: vpc.privateSubnets },
      securityGroups: ids.securityGroupIds.map((id, i) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, id),
      ),
    };
  }

  private secret(
    id: string,
    arn: string | undefined,
    props: secretsmanager.SecretProps,
  ): secretsmanager.ISecret {
    return arn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, id, arn)
      : new secretsmanager.Secret(this, id, { ...props, encryptionKey: this.key });
  }

  /** Event sources, each reporting batch item failures, and each function's grants. */
  private wireStages(highConcurrency: number, standardConcurrency: number): void {
    const { queues, functions } = this;
    const source = (q: PipelineQueue, maxConcurrency: number) =>
      new SqsEventSource(q.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency });
    functions.extractHigh.function.addEventSource(source(queues.high, highConcurrency));
    functions.extractStandard.function.addEventSource(source(queues.standard, standardConcurrency));
    functions.gate.function.addEventSource(source(queues.gate, 10));
    functions.load.function.addEventSource(source(queues.load, 10));
    // One request per invocation: each erasure is one transaction per system with its own re-check
    // and proof, so a batch of ten would hold ten requests' locks in turn within one timeout, and a
    // slow one would starve the rest. Concurrency 2 (the minimum) bounds the writers on the source database.
    functions.erase.function.addEventSource(
      new SqsEventSource(queues.erase.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );

    this.grantWhatConfigurationNames();

    // The dead-letter recorder reads each dead-letter queue (their URLs travel inside
    // DEAD_LETTER_SOURCES, so the configuration-driven grants above cannot see them), replaces a raw
    // body by an envelope (the body goes to the bucket), and writes the ledger in Snowflake.
    for (const q of Object.values(queues)) {
      q.deadLetterQueue.grantConsumeMessages(functions.deadLetterRecorder.role);
      q.deadLetterQueue.grantSendMessages(functions.deadLetterRecorder.role);
    }

    // Redrive: move each dead-letter queue's messages back to their source queue.
    for (const q of Object.values(queues)) {
      q.deadLetterQueue.grant(
        functions.redrive.role,
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        // The move task names its destination: the one source queue of each dead-letter queue.
        'sqs:ListDeadLetterSourceQueues',
      );
      q.queue.grantSendMessages(functions.redrive.role);
    }
    this.key.grantDecrypt(functions.redrive.role);

    // The erase function removes the subject's own objects from the payload bucket (claim checks,
    // parts, dead-lettered bodies); no other function may delete one. Listing comes with its read
    // grant (`s3:List*` on the bucket).
    functions.erase.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:DeleteObject'],
        resources: [this.payloads.bucket.arnForObjects('*')],
      }),
    );
  }

  /**
   * Each function's permissions follow from its configuration: read on every secret whose ARN its
   * environment holds, send on every queue whose URL it holds, and read and put on the payload
   * bucket when it holds its name: read on the whole bucket (claim checks, erasure cases, redriven
   * bodies), except for the dead-letter recorder, which only writes; put only under the prefixes the
   * function writes ({@link PAYLOAD_WRITES}); only the erase function deletes, granted in
   * {@link wireStages}; the deadline check gets none. A setting removed from a function's
   * environment takes its permission with it.
   */
  private grantWhatConfigurationNames(): void {
    const secrets = Object.values(this.secrets).filter((s): s is secretsmanager.ISecret => s !== undefined);
    const queues = Object.values(this.queues).flatMap((q) => [q.queue, q.deadLetterQueue]);
    for (const [name, fn] of Object.entries(this.functions) as [FunctionName, StageFunction][]) {
      const values = new Set(Object.values(fn.environment));
      for (const secret of secrets) if (values.has(secret.secretArn)) secret.grantRead(fn.role);
      for (const queue of queues) if (values.has(queue.queueUrl)) queue.grantSendMessages(fn.role);
      // The deadline check names the bucket only in the package location of the completion events
      // it publishes late: it neither reads nor writes it.
      if (values.has(this.payloads.bucket.bucketName) && fn !== this.functions.deadlineCheck) {
        // The dead-letter recorder only stores bodies; it never reads a payload back.
        if (fn !== this.functions.deadLetterRecorder) this.payloads.bucket.grantRead(fn.role);
        for (const prefix of PAYLOAD_WRITES[name])
          this.payloads.bucket.grantPut(fn.role, `${PAYLOAD_PREFIXES[prefix]}*`);
      }
    }
  }

  /** Invokes `fn` on `schedule` with `{ source }` as its event. */
  private schedule(
    id: string,
    description: string,
    fn: StageFunction,
    schedule: scheduler.ScheduleExpression,
    source: string,
  ): void {
    new scheduler.Schedule(this, id, {
      description: `dsr-bridge: ${description}`,
      schedule,
      target: new targets.LambdaInvoke(fn.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ source }),
      }),
    });
  }

  /**
   * Pages when a scan reports the data map's coverage below the bar, or tables it could not sample
   * (their content is unknown, so the coverage cannot be vouched for).
   *
   * Missing data keeps the alarm's state (`ignore`) rather than breaching. By default a scan
   * publishes once a week, and an alarm looks back seven days at most (period × evaluation periods
   * ≤ 604,800 s): no alarm window is longer than the gap between two scans, so `breaching` would
   * page every week in the hours before the scan, and `notBreaching` would resolve a real drop an
   * hour after it was reported. With `ignore`, an incident stays open until a later scan measures
   * the coverage back above the bar. A scan that fails or times out pages through the scan
   * function's error alarm instead; a scan that was never invoked shows only as a gap on the
   * dashboard.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
   */
  private alarmOnCoverage(
    minCoveragePercent: number,
  ): Record<'coverage' | 'unmapped' | 'notScanned', cloudwatch.Metric> {
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'DsrBridge',
        metricName,
        dimensionsMap: { service: 'dsr-bridge' },
        statistic,
        // One value per scan; an hour holds one scan, so a re-run after a fix is judged on its own.
        period: Duration.hours(1),
      });
    const metrics = {
      coverage: metric('DataMapCoverage', 'Minimum'),
      unmapped: metric('UnmappedPiiColumns', 'Maximum'),
      notScanned: metric('TablesNotScanned', 'Maximum'),
    };
    this.alerting.metric(
      'dataMapCoverage',
      metrics.coverage,
      minCoveragePercent,
      `The data map reaches less than ${minCoveragePercent}% of the PII-bearing columns found by the scan (see the scan's log for the columns)`,
      {
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      },
    );
    this.alerting.metric(
      'scanTablesNotScanned',
      metrics.notScanned,
      1,
      "The coverage scan could not sample some tables, so what they hold is unknown (see the scan's log)",
      { treatMissingData: cloudwatch.TreatMissingData.IGNORE },
    );
    return metrics;
  }

  private dashboard(
    violations: cloudwatch.IMetric,
    scan: Record<'coverage' | 'unmapped' | 'notScanned', cloudwatch.Metric>,
    minCoveragePercent: number,
  ): void {
    const queues = Object.entries(this.queues);
    new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Queue depth',
            left: queues.flatMap(([name, q]) => [
              q.queue.metricApproximateNumberOfMessagesVisible({ label: name }),
              q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: `${name} DLQ` }),
            ]),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Oldest message age (s)',
            left: queues.map(([name, q]) => q.queue.metricApproximateAgeOfOldestMessage({ label: name })),
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Stage duration (p95, ms)',
            left: Object.entries(this.functions).map(([name, f]) =>
              f.function.metricDuration({ label: name, statistic: 'p95' }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({ title: 'Compliance gate violations', left: [violations], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Data map coverage (%)',
            left: [scan.coverage.with({ label: 'coverage', period: Duration.days(1) })],
            leftYAxis: { min: 0, max: 100 },
            leftAnnotations: [{ value: minCoveragePercent, label: 'page below' }],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Unmapped PII columns and unscanned tables',
            left: [
              scan.unmapped.with({ label: 'unmapped PII columns', period: Duration.days(1) }),
              scan.notScanned.with({ label: 'tables not scanned', period: Duration.days(1) }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Open requests by days left to their deadline',
            stacked: true,
            left: DAYS_LEFT_BUCKETS.map(
              (daysLeft) =>
                new cloudwatch.Metric({
                  namespace: 'DsrBridge',
                  metricName: OPEN_REQUESTS_METRIC,
                  dimensionsMap: { service: 'dsr-bridge', daysLeft },
                  statistic: 'Maximum',
                  period: Duration.hours(1),
                  label: daysLeft === 'overdue' ? 'overdue' : `${daysLeft} days`,
                }),
            ),
            width: 24,
          }),
        ],
      ],
    });
  }
}
