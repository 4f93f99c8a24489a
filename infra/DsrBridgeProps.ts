import type { Duration } from 'aws-cdk-lib';
import type { SnowflakeAccountSettings } from '../functions/functionEnvironments';
import type { FunctionNetwork } from './constructs/StageFunction';

/** Snowflake account settings the gate, the loader and the scan connect with (the private key is in a secret). */
export type SnowflakeSettings = SnowflakeAccountSettings;

/**
 * What `DsrBridge` is given. Validated, with its defaults, by `resolveBridgeSettings` before any
 * resource is made.
 */
export interface DsrBridgeProps {
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
  /**
   * Turns on the proof's scan beyond the data map in the erase function: every text column the
   * reading role may SELECT outside the map is searched for the subject's identifiers, at most this
   * many rows per table and 30 s per table; a hit ends `erasure_unverified` naming table and column.
   * Between 1 and 1,000,000 inclusive. @default off
   */
  readonly proofScanTextRows?: number;
  /** @default a new secret to fill in with the PagerDuty Events API v2 routing key */
  readonly pagerDutyRoutingKeySecretArn?: string;
  /** Required: the gate and the loader cannot start without it, and the synth is refused (naming the context) when it is missing. */
  readonly snowflake?: SnowflakeSettings;
  /**
   * Memory of each extractor, MiB (128–10,240; Lambda gives CPU in proportion, one vCPU at 1,769).
   * An extractor plans an erasure from the subject's rows held in memory: about 99,000 rows of
   * 160 bytes of JSON at 512 MiB, and the rows of a subject whose rows weigh more are refused
   * (`SUBJECT_TOO_LARGE_FOR_MEMORY`, see the README's "Erasure in the pipeline"). @default 512
   */
  readonly extractMemoryMiB?: number;
  /** Memory of the erase function, MiB (128–10,240). @default 1024 */
  readonly eraseMemoryMiB?: number;
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
