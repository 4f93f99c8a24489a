import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { erasesSnowflake } from '../functions/erase/eraseEnv';
import { snowflakeSearchReason } from '../functions/extract/extractEnv';
import { DAYS_LEFT_BUCKETS } from '../shared/audit/checkDeadlines';
import { parseDataMap } from '../shared/datamap/loadDataMap';
import { packageFile } from '../shared/package/packageFile';
import { OPEN_REQUESTS_METRIC } from '../shared/telemetry/ComplianceMetrics';
import { AnchorBucket } from './constructs/AnchorBucket';
import { CompletionTopic } from './constructs/CompletionTopic';
import { FailedPayloadBucket } from './constructs/FailedPayloadBucket';
import { PagerDutyAlarms } from './constructs/PagerDutyAlarms';
import { PipelineQueue } from './constructs/PipelineQueue';
import { type FunctionNetwork, StageFunction } from './constructs/StageFunction';

/** Snowflake account settings the gate, the loader and the scan connect with (the private key is in a secret). */
export interface SnowflakeSettings {
  readonly account: string;
  readonly user: string;
  readonly warehouse: string;
  readonly database: string;
  readonly schema: string;
  readonly role?: string;
  /** An HTTPS proxy the functions reach Snowflake through (e.g. from private subnets without NAT). @default direct */
  readonly proxy?: { readonly host: string; readonly port: number };
  /**
   * The read-only user and role the extractors search Snowflake with, when the data map sends
   * them there (Snowflake tables, or mirrors searched). Its own key pair, so the extractors can
   * never assume the loader's role. Required then; see the README for its grants.
   */
  readonly reader?: { readonly user: string; readonly role: string };
  /**
   * The user and role the erase function deletes and masks Snowflake rows with, when the data map
   * erases Snowflake rows (a `delete` or `mask` rule on a Snowflake table). Its own key pair, held by
   * no other function. Required then; `dsr datamap grants` prints its grants.
   */
  readonly eraser?: { readonly user: string; readonly role: string };
}

export interface DsrBridgeStackProps extends StackProps {
  /** PagerDuty CloudWatch integration URL. @default no subscription (a warning is shown) */
  readonly pagerDutyUrl?: string;
  /** VPC, subnets and security groups through which the extractors (and the gate and the scan) reach PostgreSQL. @default no VPC */
  readonly network?: FunctionNetwork;
  /** The same, as ids (from context); imported without a lookup. Ignored when `network` is given. */
  readonly networkIds?: {
    readonly vpcId: string;
    readonly availabilityZones: string[];
    readonly privateSubnetIds: string[];
    readonly securityGroupIds: string[];
  };
  /** An existing RDS-format PostgreSQL secret. @default a new secret to fill in */
  readonly postgresSecretArn?: string;
  /** Rotate the PostgreSQL secret with Secrets Manager's hosted single-user rotation. @default false */
  readonly rotatePostgresSecret?: boolean;
  /** @default a new secret holding `{ "privateKey": "…PEM…" }` to fill in */
  readonly snowflakeSecretArn?: string;
  /** The read-only user's key pair. @default a new secret to fill in, when the extractors search Snowflake */
  readonly snowflakeReaderSecretArn?: string;
  /** The extractors also search each PostgreSQL table's Snowflake mirror. @default false */
  readonly searchMirrors?: boolean;
  /** @default a new secret with a generated 64-character key */
  readonly subjectHashKeySecretArn?: string;
  /**
   * An existing RDS-format secret of the PostgreSQL erasure role, the only credentials that may
   * change the source database (read by the erase function alone). @default a new secret to fill in
   */
  readonly pgErasureSecretArn?: string;
  /** The key of keyed-hash masks (read by the erase function alone). @default a new secret with a generated 64-character key */
  readonly erasureMaskKeySecretArn?: string;
  /** The Snowflake erasure user's key pair. @default a new secret to fill in, when the data map erases Snowflake rows */
  readonly snowflakeErasureSecretArn?: string;
  /**
   * An erasure planned to delete or mask more rows than this waits for `dsr approve`; between 1 and
   * 100,000,000 inclusive. @default 1000
   */
  readonly approvalMaxRows?: number;
  /**
   * Hours an erasure plan may wait for `dsr approve` before the hourly deadline check pages; between
   * 1 and 8,760 inclusive. @default 24
   */
  readonly approvalAlarmHours?: number;
  /**
   * Days the operator keeps PostgreSQL backups and WAL archives (when erased rows become
   * unrecoverable, stated in the receipt); between 0 and 36,500 inclusive. @default not stated
   */
  readonly pgBackupRetentionDays?: number;
  /** @default a new secret to fill in with the PagerDuty Events API v2 routing key */
  readonly pagerDutyRoutingKeySecretArn?: string;
  /** Required: the gate and the loader cannot start without it, and the synth is refused (naming the context) when it is missing. */
  readonly snowflake?: SnowflakeSettings;
  /** Receives before a message is dead-lettered, 1–1000. @default 5 */
  readonly maxReceiveCount?: number;
  /** Concurrent extractors for the high queue, 2–1000 and above the standard one's. @default 20 */
  readonly highConcurrency?: number;
  /** Concurrent extractors for the standard queue; protects the source database. 2–1000. @default 5 */
  readonly standardConcurrency?: number;
  /** When redrive runs: an EventBridge Scheduler `cron(…)` expression, in UTC. @default 'cron(0 3 ? * SUN *)' */
  readonly maintenanceWindow?: string;
  /**
   * When the data-map coverage scan runs: an EventBridge Scheduler `cron(…)` expression, in UTC.
   * @default 'cron(0 4 ? * MON *)' (weekly, Monday 04:00)
   */
  readonly scanSchedule?: string;
  /**
   * Page when a scan finds that the data map reaches less than this share of the PII-bearing
   * columns, in percent, above 0 and at most 100. @default 95
   */
  readonly minCoveragePercent?: number;
  /** Page when the oldest intake request is older than this. @default 1 hour */
  readonly oldestRequestAge?: Duration;
  /** Days quarantined payloads are kept. @default 400 */
  readonly payloadRetentionDays?: number;
  /** Days each ledger anchor is locked (Object Lock, compliance mode). @default 730 */
  readonly anchorRetentionDays?: number;
  /** Share of its period after which an open request pages (0–1). @default 0.8 */
  readonly deadlineAlarmShare?: number;
  /** Public holidays not counted as business days (`YYYY-MM-DD`). @default none */
  readonly holidays?: readonly string[];
  /** The data map bundled with the functions. @default local/sample/datamap.yaml */
  readonly dataMapFile?: string;
  /** Handler modules by stage; tests may point them elsewhere. @default functions/<stage>/handler.ts */
  readonly entries?: Partial<
    Record<
      'extract' | 'gate' | 'load' | 'erase' | 'redrive' | 'scan' | 'dead-letter-recorder' | 'deadline-check',
      string
    >
  >;
}

const ROOT = packageFile('.');
/** Each function's timeout; the heavy-pipeline bench plays them. */
export const TIMEOUTS = {
  extract: Duration.minutes(2),
  gate: Duration.minutes(1),
  load: Duration.minutes(2),
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
 * Default coverage bar. Not 100: detection samples at most a thousand rows per table and counts a
 * column when half its samples match, so a column of look-alikes (reference numbers shaped like
 * phone numbers, free text quoting an address) can count as PII until someone adds it to the map's
 * `exclude` list. 95 pages on a real drop (a new table or system the map misses) without paging on
 * one such column in a large estate; `UnmappedPiiColumns` on the dashboard shows every single one.
 */
const DEFAULT_MIN_COVERAGE_PERCENT = 95;

/**
 * Everything dsr-bridge needs in AWS, secure by default: intake and stage queues with dead-letter
 * queues, the stage functions, secrets, the failed-payload bucket, the redrive schedule, the weekly
 * data-map coverage scan, alarms that page, and a dashboard. The PostgreSQL database and the Snowflake account exist already.
 *
 * Construct IDs are a contract: renaming one replaces the resource in the account.
 */
export class DsrBridgeStack extends Stack {
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
  readonly secrets: Record<
    | 'postgres'
    | 'postgresErasure'
    | 'erasureMaskKey'
    | 'snowflake'
    | 'subjectHashKey'
    | 'pagerDutyRoutingKey',
    secretsmanager.ISecret
  > & {
    readonly snowflakeReader?: secretsmanager.ISecret;
    readonly snowflakeErasure?: secretsmanager.ISecret;
  };
  /** Why the extractors search Snowflake (from the data map), or undefined when they do not. */
  readonly extractorSnowflake: string | undefined;
  /** Whether the data map deletes or masks Snowflake rows (the erase function then holds the erasure user). */
  readonly erasesSnowflake: boolean;
  readonly postgresRotation: secretsmanager.RotationSchedule | undefined;
  readonly postgresErasureRotation: secretsmanager.RotationSchedule | undefined;

  constructor(scope: Construct, id: string, props: DsrBridgeStackProps = {}) {
    super(scope, id, props);
    const highConcurrency = props.highConcurrency ?? 20;
    const standardConcurrency = props.standardConcurrency ?? 5;
    for (const [name, value] of [
      ['highConcurrency', highConcurrency],
      ['standardConcurrency', standardConcurrency],
    ] as const) {
      if (!Number.isInteger(value) || value < 2 || value > 1000) {
        throw new Error(`${name} must be an integer between 2 and 1000 inclusive (given ${value})`);
      }
    }
    if (highConcurrency <= standardConcurrency) {
      throw new Error(
        `highConcurrency must be above standardConcurrency (given ${highConcurrency} ≤ ${standardConcurrency})`,
      );
    }
    const maintenanceWindow = props.maintenanceWindow ?? 'cron(0 3 ? * SUN *)';
    const scanSchedule = props.scanSchedule ?? 'cron(0 4 ? * MON *)';
    for (const [name, value] of [
      ['maintenanceWindow', maintenanceWindow],
      ['scanSchedule', scanSchedule],
    ] as const) {
      if (!/^cron\([^)]+\)$/.test(value)) {
        throw new Error(
          `${name} must be an EventBridge Scheduler cron(…) expression (given ${JSON.stringify(value)})`,
        );
      }
    }
    const minCoveragePercent = props.minCoveragePercent ?? DEFAULT_MIN_COVERAGE_PERCENT;
    if (!Number.isFinite(minCoveragePercent) || minCoveragePercent <= 0 || minCoveragePercent > 100) {
      throw new Error(
        `minCoveragePercent must be above 0 and at most 100 (given ${minCoveragePercent}); 100 pages on any unmapped PII-bearing column`,
      );
    }

    const approvalMaxRows = props.approvalMaxRows ?? 1000;
    if (!Number.isInteger(approvalMaxRows) || approvalMaxRows < 1 || approvalMaxRows > 100_000_000) {
      throw new Error(
        `approvalMaxRows must be an integer between 1 and 100000000 inclusive (given ${approvalMaxRows})`,
      );
    }
    const approvalAlarmHours = props.approvalAlarmHours ?? 24;
    if (!Number.isInteger(approvalAlarmHours) || approvalAlarmHours < 1 || approvalAlarmHours > 8760) {
      throw new Error(
        `approvalAlarmHours must be an integer between 1 and 8760 inclusive (given ${approvalAlarmHours})`,
      );
    }
    const backupDays = props.pgBackupRetentionDays;
    if (
      backupDays !== undefined &&
      (!Number.isInteger(backupDays) || backupDays < 0 || backupDays > 36_500)
    ) {
      throw new Error(
        `pgBackupRetentionDays must be an integer between 0 and 36500 inclusive (given ${backupDays})`,
      );
    }

    const dataMapFile = props.dataMapFile ?? join(ROOT, 'local/sample/datamap.yaml');
    const dataMap = parseDataMap(readFileSync(dataMapFile, 'utf8'), dataMapFile);
    this.extractorSnowflake = snowflakeSearchReason(dataMap, props.searchMirrors ?? false);
    this.erasesSnowflake = erasesSnowflake(dataMap);
    const sf = props.snowflake;
    // A function deployed without the settings its configuration requires fails every invocation
    // at cold start: refuse the synth instead, naming the context to give.
    if (!sf) {
      throw new Error(
        'The gate and the loader need Snowflake: give the context values snowflakeAccount, snowflakeUser, snowflakeWarehouse, snowflakeDatabase and snowflakeSchema (see the README, Deploying)',
      );
    }
    if (this.extractorSnowflake && !sf.reader) {
      throw new Error(
        `The extractors search Snowflake (${this.extractorSnowflake}): give the context values snowflakeReaderUser and snowflakeReaderRole, a read-only user and role (see the README, Deploying)`,
      );
    }
    if (this.erasesSnowflake && !sf.eraser) {
      const tables = dataMap.snowflake.filter(
        (t) => t.erasure?.action === 'delete' || t.erasure?.action === 'mask',
      ).length;
      throw new Error(
        `The erase function deletes or masks Snowflake rows (the data map has ${tables} Snowflake table(s) with a delete or mask rule): give the context values snowflakeErasureUser and snowflakeErasureRole, the user and role only it may use (see the README, Deploying)`,
      );
    }
    const network = props.network ?? (props.networkIds ? this.importNetwork(props.networkIds) : undefined);
    this.key = new kms.Key(this, 'Key', {
      description: 'dsr-bridge: queues, payload bucket, logs, secrets and alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch Logs and CloudWatch alarms (publishing to the encrypted topic) use the key too.
    this.key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));
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
    const deadlineAlarmShare = props.deadlineAlarmShare ?? 0.8;
    if (!(deadlineAlarmShare > 0 && deadlineAlarmShare <= 1))
      throw new Error(`deadlineAlarmShare must be above 0 and at most 1 (given ${deadlineAlarmShare})`);
    for (const day of props.holidays ?? [])
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day))
        throw new Error(`holidays must be dates as YYYY-MM-DD (given ${JSON.stringify(day)})`);
    const queue = (name: string, consumerTimeout: Duration) =>
      new PipelineQueue(this, name, {
        encryptionKey: this.key,
        consumerTimeout,
        maxReceiveCount: props.maxReceiveCount,
      });
    this.queues = {
      high: queue('HighIntake', TIMEOUTS.extract),
      standard: queue('StandardIntake', TIMEOUTS.extract),
      gate: queue('GateStage', TIMEOUTS.gate),
      load: queue('LoadStage', TIMEOUTS.load),
      erase: queue('EraseStage', TIMEOUTS.erase),
    };

    const entry = (stage: keyof NonNullable<DsrBridgeStackProps['entries']>) =>
      props.entries?.[stage] ?? join(ROOT, 'functions', stage, 'handler.ts');
    const common = {
      POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
      POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
      DSR_DATAMAP_PATH: 'datamap.yaml',
      PAYLOAD_BUCKET: this.payloads.bucket.bucketName,
      PAYLOAD_KMS_KEY_ARN: this.key.keyArn,
      // The pipeline dead-letters a record itself on its last receive, with metadata and without PII;
      // the queue's own redrive policy (same count) is only the backstop for a crashing handler.
      MAX_RECEIVE_COUNT: String(this.queues.high.maxReceiveCount),
    };
    // The writer (gate, loader, scan) and, when the extractors search Snowflake, the read-only reader.
    const connection = (user: string, role: string | undefined, secret: secretsmanager.ISecret) => ({
      SNOWFLAKE_ACCOUNT: sf.account,
      SNOWFLAKE_USER: user,
      SNOWFLAKE_WAREHOUSE: sf.warehouse,
      SNOWFLAKE_DATABASE: sf.database,
      SNOWFLAKE_SCHEMA: sf.schema,
      ...(role ? { SNOWFLAKE_ROLE: role } : {}),
      ...(sf.proxy
        ? { SNOWFLAKE_PROXY_HOST: sf.proxy.host, SNOWFLAKE_PROXY_PORT: String(sf.proxy.port) }
        : {}),
      SNOWFLAKE_PRIVATE_KEY_SECRET_ID: secret.secretArn,
    });
    const snowflakeEnv: Record<string, string> = connection(sf.user, sf.role, this.secrets.snowflake);
    const readerSecret = this.secrets.snowflakeReader;
    const readerEnv: Record<string, string> =
      sf.reader && readerSecret ? connection(sf.reader.user, sf.reader.role, readerSecret) : {};
    // The erasure user shares the loader's account, warehouse and proxy (its own session in eraseConfig).
    const erasureSecret = this.secrets.snowflakeErasure;
    const snowflakeErasureEnv: Record<string, string> =
      sf.eraser && erasureSecret
        ? {
            SNOWFLAKE_ERASURE_USER: sf.eraser.user,
            SNOWFLAKE_ERASURE_ROLE: sf.eraser.role,
            SNOWFLAKE_ERASURE_PRIVATE_KEY_SECRET_ID: erasureSecret.secretArn,
          }
        : {};
    const assets: [string, string][] = [[dataMapFile, 'datamap.yaml']];
    const extractor = (name: string, intake: PipelineQueue, priority: 'high' | 'standard') =>
      new StageFunction(this, name, {
        entry: entry('extract'),
        timeout: TIMEOUTS.extract,
        encryptionKey: this.key,
        network,
        assets,
        // Without Snowflake tables in the data map the extractors never load its driver: keep it out
        // of their bundles. With them, it is bundled and evaluated on first use (`import()`).
        externalModules: this.extractorSnowflake ? [] : ['snowflake-sdk'],
        environment: {
          ...common,
          ...readerEnv,
          ...(props.searchMirrors ? { DSR_SEARCH_MIRRORS: 'true' } : {}),
          DSR_SUBJECT_HASH_KEY_SECRET_ARN: this.secrets.subjectHashKey.secretArn,
          DSR_STAGE: `extract-${priority}`,
          DSR_PRIORITY: priority,
          PG_SECRET_ARN: this.secrets.postgres.secretArn,
          NEXT_QUEUE_URL: this.queues.gate.queue.queueUrl,
          // A standard request whose deadline is near is promoted to the high queue.
          ...(priority === 'standard' ? { HIGH_QUEUE_URL: this.queues.high.queue.queueUrl } : {}),
          DEAD_LETTER_QUEUE_URL: intake.deadLetterQueue.queueUrl,
        },
      });
    this.functions = {
      extractHigh: extractor('ExtractHigh', this.queues.high, 'high'),
      extractStandard: extractor('ExtractStandard', this.queues.standard, 'standard'),
      gate: new StageFunction(this, 'Gate', {
        entry: entry('gate'),
        timeout: TIMEOUTS.gate,
        encryptionKey: this.key,
        network,
        assets,
        environment: {
          ...common,
          ...snowflakeEnv,
          DSR_STAGE: 'gate',
          PG_SECRET_ARN: this.secrets.postgres.secretArn,
          PAGERDUTY_ROUTING_KEY_SECRET_ARN: this.secrets.pagerDutyRoutingKey.secretArn,
          NEXT_QUEUE_URL: this.queues.load.queue.queueUrl,
          ERASE_QUEUE_URL: this.queues.erase.queue.queueUrl,
          DEAD_LETTER_QUEUE_URL: this.queues.gate.deadLetterQueue.queueUrl,
        },
      }),
      load: new StageFunction(this, 'Load', {
        entry: entry('load'),
        timeout: TIMEOUTS.load,
        encryptionKey: this.key,
        assets,
        environment: {
          ...common,
          ...snowflakeEnv,
          DSR_STAGE: 'load',
          // A request not loaded within one invocation is sent here again and continues after its
          // last checkpoint (the ledger's part checkpoints), without counting as a failed receive.
          CONTINUE_QUEUE_URL: this.queues.load.queue.queueUrl,
          // A hand-off that fails its integrity check at the load is quarantined and paged.
          PAGERDUTY_ROUTING_KEY_SECRET_ARN: this.secrets.pagerDutyRoutingKey.secretArn,
          DEAD_LETTER_QUEUE_URL: this.queues.load.deadLetterQueue.queueUrl,
        },
      }),
      // Deletes and masks the subject's rows: the only function given credentials that write the
      // source databases. In the VPC like the extractors: it re-reads PostgreSQL before and after.
      erase: new StageFunction(this, 'Erase', {
        entry: entry('erase'),
        timeout: TIMEOUTS.erase,
        // The plan's row keys and one table's rows re-read under lock are held at once (not measured
        // beyond 100k rows; the extractors' 512 MB hold one search page).
        memorySize: 1024,
        encryptionKey: this.key,
        network,
        assets,
        environment: {
          ...common,
          ...snowflakeEnv,
          ...snowflakeErasureEnv,
          ...(props.searchMirrors ? { DSR_SEARCH_MIRRORS: 'true' } : {}),
          DSR_STAGE: 'erase',
          PG_SECRET_ARN: this.secrets.postgres.secretArn,
          DSR_ERASURE_PG_SECRET_ARN: this.secrets.postgresErasure.secretArn,
          DSR_ERASURE_MASK_KEY_SECRET_ARN: this.secrets.erasureMaskKey.secretArn,
          DSR_SUBJECT_HASH_KEY_SECRET_ARN: this.secrets.subjectHashKey.secretArn,
          DSR_APPROVAL_MAX_ROWS: String(approvalMaxRows),
          ...(backupDays !== undefined ? { DSR_PG_BACKUP_RETENTION_DAYS: String(backupDays) } : {}),
          // A plan waiting for approval is sent here again, delayed, and looked at once more.
          CONTINUE_QUEUE_URL: this.queues.erase.queue.queueUrl,
          // An erasure whose proof finds the subject again (`erasure_unverified`) pages.
          PAGERDUTY_ROUTING_KEY_SECRET_ARN: this.secrets.pagerDutyRoutingKey.secretArn,
          DEAD_LETTER_QUEUE_URL: this.queues.erase.deadLetterQueue.queueUrl,
        },
      }),
      redrive: new StageFunction(this, 'Redrive', {
        entry: entry('redrive'),
        timeout: TIMEOUTS.redrive,
        encryptionKey: this.key,
        environment: {
          POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
          DEAD_LETTER_QUEUE_ARNS: Object.values(this.queues)
            .map((q) => q.deadLetterQueue.queueArn)
            .join(','),
        },
      }),
      // Records what SQS's redrive policy moved to a dead-letter queue without an envelope (a
      // handler that crashed, ran out of memory or time): envelope, ledger entry, metric, page.
      deadLetterRecorder: new StageFunction(this, 'DeadLetterRecorder', {
        entry: entry('dead-letter-recorder'),
        timeout: TIMEOUTS.deadLetterRecorder,
        encryptionKey: this.key,
        assets,
        environment: {
          ...snowflakeEnv,
          POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
          POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
          DSR_DATAMAP_PATH: 'datamap.yaml',
          DSR_SUBJECT_HASH_KEY_SECRET_ARN: this.secrets.subjectHashKey.secretArn,
          PAYLOAD_BUCKET: this.payloads.bucket.bucketName,
          PAYLOAD_KMS_KEY_ARN: this.key.keyArn,
          PAGERDUTY_ROUTING_KEY_SECRET_ARN: this.secrets.pagerDutyRoutingKey.secretArn,
          DEAD_LETTER_SOURCES: this.toJsonString(
            (
              [
                ['extract-high', this.queues.high],
                ['extract-standard', this.queues.standard],
                ['gate', this.queues.gate],
                ['load', this.queues.load],
                ['erase', this.queues.erase],
              ] as const
            ).map(([stage, q]) => ({
              stage,
              url: q.deadLetterQueue.queueUrl,
              maxReceiveCount: q.maxReceiveCount,
            })),
          ),
        },
      }),
      // Reads both systems like the extractors and the gate, through the same network; holds no
      // queue, bucket or hash key.
      scan: new StageFunction(this, 'Scan', {
        entry: entry('scan'),
        timeout: TIMEOUTS.scan,
        // Up to four tables' samples (1000 rows, text cut at 4 KB) are held at once.
        memorySize: 1024,
        encryptionKey: this.key,
        network,
        assets,
        environment: {
          ...snowflakeEnv,
          POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
          POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
          DSR_DATAMAP_PATH: 'datamap.yaml',
          PG_SECRET_ARN: this.secrets.postgres.secretArn,
        },
      }),
      // Hourly: pages for open requests near or past their deadline; takes the day's ledger anchor.
      deadlineCheck: new StageFunction(this, 'DeadlineCheck', {
        entry: entry('deadline-check'),
        timeout: TIMEOUTS.deadlineCheck,
        encryptionKey: this.key,
        assets,
        environment: {
          ...snowflakeEnv,
          POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
          POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
          DSR_DATAMAP_PATH: 'datamap.yaml',
          PAGERDUTY_ROUTING_KEY_SECRET_ARN: this.secrets.pagerDutyRoutingKey.secretArn,
          ANCHOR_BUCKET: this.anchors.bucket.bucketName,
          DSR_DEADLINE_ALARM_SHARE: String(deadlineAlarmShare),
          DSR_APPROVAL_ALARM_HOURS: String(approvalAlarmHours),
          ...(props.holidays?.length ? { DSR_HOLIDAYS: props.holidays.join(',') } : {}),
        },
      }),
    };
    this.anchors.grantWriteAnchors(this.functions.deadlineCheck.role);
    const { gate, load, erase, deadLetterRecorder } = this.functions;
    this.completions = new CompletionTopic(this, 'CompletionTopic', {
      encryptionKey: this.key,
      publishers: [gate, load, erase, deadLetterRecorder].map((f) => f.function),
    });
    this.wireStages(highConcurrency, standardConcurrency);
    this.scheduleDeadlineCheck();
    this.scheduleRedrive(maintenanceWindow);
    this.scheduleDeadLetterRecorder();
    this.scheduleScan(scanSchedule);

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
    const scanMetrics = this.alarmOnCoverage(minCoveragePercent);
    this.dashboard(violations, scanMetrics, minCoveragePercent);
  }

  private importNetwork(ids: NonNullable<DsrBridgeStackProps['networkIds']>): FunctionNetwork {
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
   * environment holds, send on every queue whose URL it holds, and put and read on the payload
   * bucket when it holds its name (dead-lettered bodies and quarantined payloads are written,
   * claim checks and redriven bodies read, except by the dead-letter recorder, which only writes;
   * only the erase function deletes, granted in {@link wireStages}). A setting removed from a
   * function's environment takes its permission with it.
   */
  private grantWhatConfigurationNames(): void {
    const secrets = Object.values(this.secrets).filter((s): s is secretsmanager.ISecret => s !== undefined);
    const queues = Object.values(this.queues).flatMap((q) => [q.queue, q.deadLetterQueue]);
    for (const fn of Object.values(this.functions)) {
      const values = new Set(Object.values(fn.environment));
      for (const secret of secrets) if (values.has(secret.secretArn)) secret.grantRead(fn.role);
      for (const queue of queues) if (values.has(queue.queueUrl)) queue.grantSendMessages(fn.role);
      if (values.has(this.payloads.bucket.bucketName)) {
        // The dead-letter recorder only stores bodies; it never reads a payload back.
        if (fn !== this.functions.deadLetterRecorder) this.payloads.bucket.grantRead(fn.role);
        this.payloads.bucket.grantPut(fn.role);
      }
    }
  }

  private scheduleRedrive(cron: string): void {
    new scheduler.Schedule(this, 'RedriveSchedule', {
      description: 'dsr-bridge: move dead-lettered requests back in the maintenance window',
      schedule: scheduler.ScheduleExpression.expression(cron),
      target: new targets.LambdaInvoke(this.functions.redrive.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'maintenance-window' }),
      }),
    });
  }

  /** Every five minutes: a silent dead letter is recorded and paged within minutes. */
  private scheduleDeadLetterRecorder(): void {
    new scheduler.Schedule(this, 'DeadLetterRecorderSchedule', {
      description: 'dsr-bridge: record dead letters that SQS moved without an envelope',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)),
      target: new targets.LambdaInvoke(this.functions.deadLetterRecorder.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'dead-letter-recorder' }),
      }),
    });
  }

  /** Hourly: an open request crossing its alarm share pages within the hour. */
  private scheduleDeadlineCheck(): void {
    new scheduler.Schedule(this, 'DeadlineCheckSchedule', {
      description: 'dsr-bridge: page for requests near or past their deadline; anchor the ledger daily',
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      target: new targets.LambdaInvoke(this.functions.deadlineCheck.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'deadline-check' }),
      }),
    });
  }

  private scheduleScan(cron: string): void {
    new scheduler.Schedule(this, 'ScanSchedule', {
      description: 'dsr-bridge: scan both systems for PII the data map does not reach',
      schedule: scheduler.ScheduleExpression.expression(cron),
      target: new targets.LambdaInvoke(this.functions.scan.function, {
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'coverage-scan' }),
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
