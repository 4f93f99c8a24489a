import type { FunctionName } from './functionConfigs';

/** The Snowflake account the functions connect to (each user's private key is in a secret). */
export interface SnowflakeAccountSettings {
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

/** What decides the functions' environments, validated and with its defaults applied. */
export interface EnvironmentSettings {
  readonly snowflake: SnowflakeAccountSettings;
  /** The extractors search Snowflake (with `snowflake.reader`). */
  readonly extractorsSearchSnowflake: boolean;
  /** The erase function deletes or masks Snowflake rows (with `snowflake.eraser`). */
  readonly erasesSnowflake: boolean;
  readonly searchMirrors: boolean;
  readonly maxReceiveCount: number;
  readonly approvalMaxRows: number;
  readonly approvalAlarmHours: number;
  readonly pgBackupRetentionDays: number | undefined;
  /** Rows per table the erase function's proof scans text columns outside the data map for; off when absent. */
  readonly proofScanTextRows: number | undefined;
  readonly deadlineAlarmShare: number;
  readonly holidays: readonly string[];
}

/** A queue and its dead-letter queue, as their URLs and ARNs. */
export interface QueueReference {
  readonly url: string;
  readonly arn: string;
  readonly deadLetterUrl: string;
  readonly deadLetterArn: string;
}

/**
 * The resources the functions are pointed at: deployed, CloudFormation references (CDK tokens);
 * locally, the loopback stand-ins.
 */
export interface ResourceReferences {
  readonly queues: Readonly<Record<'high' | 'standard' | 'gate' | 'load' | 'erase', QueueReference>>;
  readonly payloadBucket: string;
  readonly payloadKeyArn: string;
  readonly anchorBucket: string;
  readonly completionTopicArn: string;
  /** Each secret's ARN; the reader's and the erasure user's exist when the settings call for them. */
  readonly secrets: Readonly<
    Record<
      | 'postgres'
      | 'postgresErasure'
      | 'erasureMaskKey'
      | 'snowflake'
      | 'subjectHashKey'
      | 'pagerDutyRoutingKey',
      string
    >
  > & { readonly snowflakeReader?: string; readonly snowflakeErasure?: string };
}

/** Where the data map lies beside each bundle (the stack copies it there). */
export const BUNDLED_DATA_MAP = 'datamap.yaml';

/**
 * Every function's environment, from the settings and the references of the resources it uses:
 * the one description of what each function is given. The stack deploys it (references as CDK
 * tokens); the local runtime runs it (references as loopback stand-ins, secrets then replaced by
 * plain values); `test/infra/functionEnvironments.test.ts` proves the synthesised template holds
 * exactly this. Pure: no CDK, no I/O.
 */
export function functionEnvironments(
  settings: EnvironmentSettings,
  refs: ResourceReferences,
): Record<FunctionName, Record<string, string>> {
  const sf = settings.snowflake;
  const { queues, secrets } = refs;
  const service = {
    POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
    POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
    DSR_DATAMAP_PATH: BUNDLED_DATA_MAP,
  };
  const common = {
    ...service,
    PAYLOAD_BUCKET: refs.payloadBucket,
    PAYLOAD_KMS_KEY_ARN: refs.payloadKeyArn,
    // The pipeline dead-letters a record itself on its last receive, with metadata and without PII;
    // the queue's own redrive policy (same count) is only the backstop for a crashing handler.
    MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
  };
  // The writer (gate, loader, scan) and, when the extractors search Snowflake, the read-only reader.
  const connection = (user: string, role: string | undefined, secretArn: string) => ({
    SNOWFLAKE_ACCOUNT: sf.account,
    SNOWFLAKE_USER: user,
    SNOWFLAKE_WAREHOUSE: sf.warehouse,
    SNOWFLAKE_DATABASE: sf.database,
    SNOWFLAKE_SCHEMA: sf.schema,
    ...(role ? { SNOWFLAKE_ROLE: role } : {}),
    ...(sf.proxy ? { SNOWFLAKE_PROXY_HOST: sf.proxy.host, SNOWFLAKE_PROXY_PORT: String(sf.proxy.port) } : {}),
    SNOWFLAKE_PRIVATE_KEY_SECRET_ID: secretArn,
  });
  const writer: Record<string, string> = connection(sf.user, sf.role, secrets.snowflake);
  const reader: Record<string, string> = settings.extractorsSearchSnowflake
    ? connection(
        required(sf.reader, 'snowflake.reader').user,
        required(sf.reader, 'snowflake.reader').role,
        required(secrets.snowflakeReader, 'secrets.snowflakeReader'),
      )
    : {};
  /**
   * A second session of the erase function on the loader's account, warehouse and proxy (its own
   * session in eraseConfig): the user, role and key's secret under `prefix`.
   */
  const session = (
    prefix: 'SNOWFLAKE_ERASURE_' | 'SNOWFLAKE_READER_',
    who: SnowflakeAccountSettings['reader'],
    secretArn: string | undefined,
    name: 'eraser' | 'reader',
  ): Record<string, string> => ({
    [`${prefix}USER`]: required(who, `snowflake.${name}`).user,
    [`${prefix}ROLE`]: required(who, `snowflake.${name}`).role,
    [`${prefix}PRIVATE_KEY_SECRET_ID`]: required(secretArn, `the ${name}'s secret`),
  });
  // The erasure user, when the map erases Snowflake rows; without one, the erase function searches
  // Snowflake (plans again, proves) as the read-only user: the evidence writer may not read the
  // source tables.
  const eraser: Record<string, string> = settings.erasesSnowflake
    ? session('SNOWFLAKE_ERASURE_', sf.eraser, secrets.snowflakeErasure, 'eraser')
    : settings.extractorsSearchSnowflake
      ? session('SNOWFLAKE_READER_', sf.reader, secrets.snowflakeReader, 'reader')
      : {};
  const mirrors: Record<string, string> = settings.searchMirrors ? { DSR_SEARCH_MIRRORS: 'true' } : {};
  const completion = { COMPLETION_TOPIC_ARN: refs.completionTopicArn };
  const extractor = (priority: 'high' | 'standard'): Record<string, string> => ({
    ...common,
    ...reader,
    ...mirrors,
    DSR_SUBJECT_HASH_KEY_SECRET_ARN: secrets.subjectHashKey,
    DSR_STAGE: `extract-${priority}`,
    DSR_PRIORITY: priority,
    PG_SECRET_ARN: secrets.postgres,
    NEXT_QUEUE_URL: queues.gate.url,
    // A standard request whose deadline is near is promoted to the high queue.
    ...(priority === 'standard' ? { HIGH_QUEUE_URL: queues.high.url } : {}),
    DEAD_LETTER_QUEUE_URL: queues[priority].deadLetterUrl,
  });
  return {
    extractHigh: extractor('high'),
    extractStandard: extractor('standard'),
    gate: {
      ...common,
      ...writer,
      ...completion,
      DSR_STAGE: 'gate',
      PG_SECRET_ARN: secrets.postgres,
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: secrets.pagerDutyRoutingKey,
      NEXT_QUEUE_URL: queues.load.url,
      ERASE_QUEUE_URL: queues.erase.url,
      DEAD_LETTER_QUEUE_URL: queues.gate.deadLetterUrl,
    },
    load: {
      ...common,
      ...writer,
      ...completion,
      DSR_STAGE: 'load',
      // A request not loaded within one invocation is sent here again and continues after its
      // last checkpoint (the ledger's part checkpoints), without counting as a failed receive.
      CONTINUE_QUEUE_URL: queues.load.url,
      // A hand-off that fails its integrity check at the load is quarantined and paged.
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: secrets.pagerDutyRoutingKey,
      DEAD_LETTER_QUEUE_URL: queues.load.deadLetterUrl,
    },
    erase: {
      ...common,
      ...writer,
      ...eraser,
      ...mirrors,
      ...completion,
      DSR_STAGE: 'erase',
      PG_SECRET_ARN: secrets.postgres,
      DSR_ERASURE_PG_SECRET_ARN: secrets.postgresErasure,
      DSR_ERASURE_MASK_KEY_SECRET_ARN: secrets.erasureMaskKey,
      DSR_SUBJECT_HASH_KEY_SECRET_ARN: secrets.subjectHashKey,
      DSR_APPROVAL_MAX_ROWS: String(settings.approvalMaxRows),
      ...(settings.pgBackupRetentionDays !== undefined
        ? { DSR_PG_BACKUP_RETENTION_DAYS: String(settings.pgBackupRetentionDays) }
        : {}),
      ...(settings.proofScanTextRows !== undefined
        ? { DSR_PROOF_SCAN_TEXT_ROWS: String(settings.proofScanTextRows) }
        : {}),
      // A plan waiting for approval is sent here again, delayed, and looked at once more.
      CONTINUE_QUEUE_URL: queues.erase.url,
      // An erasure whose proof finds the subject again (`erasure_unverified`) pages.
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: secrets.pagerDutyRoutingKey,
      DEAD_LETTER_QUEUE_URL: queues.erase.deadLetterUrl,
    },
    redrive: {
      POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
      DEAD_LETTER_QUEUE_ARNS: Object.values(queues)
        .map((q) => q.deadLetterArn)
        .join(','),
    },
    // Records what SQS's redrive policy moved to a dead-letter queue without an envelope (a
    // handler that crashed, ran out of memory or time): envelope, ledger entry, metric, page.
    deadLetterRecorder: {
      ...writer,
      ...service,
      ...completion,
      DSR_SUBJECT_HASH_KEY_SECRET_ARN: secrets.subjectHashKey,
      PAYLOAD_BUCKET: refs.payloadBucket,
      PAYLOAD_KMS_KEY_ARN: refs.payloadKeyArn,
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: secrets.pagerDutyRoutingKey,
      // Queue URLs hold no character JSON escapes, so a CDK token inside this text resolves to
      // valid JSON as well.
      DEAD_LETTER_SOURCES: JSON.stringify(
        (
          [
            ['extract-high', queues.high],
            ['extract-standard', queues.standard],
            ['gate', queues.gate],
            ['load', queues.load],
            ['erase', queues.erase],
          ] as const
        ).map(([stage, q]) => ({
          stage,
          url: q.deadLetterUrl,
          maxReceiveCount: settings.maxReceiveCount,
        })),
      ),
    },
    // Reads both systems like the extractors and the gate; holds no queue, bucket or hash key.
    scan: { ...writer, ...service, PG_SECRET_ARN: secrets.postgres },
    // Hourly: pages for open requests near or past their deadline, announces terminal requests whose
    // completion event was never published, and takes the day's ledger anchor.
    deadlineCheck: {
      ...writer,
      ...service,
      ...completion,
      PAYLOAD_BUCKET: refs.payloadBucket,
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: secrets.pagerDutyRoutingKey,
      ANCHOR_BUCKET: refs.anchorBucket,
      DSR_DEADLINE_ALARM_SHARE: String(settings.deadlineAlarmShare),
      DSR_APPROVAL_ALARM_HOURS: String(settings.approvalAlarmHours),
      ...(settings.holidays.length ? { DSR_HOLIDAYS: settings.holidays.join(',') } : {}),
    },
  };
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new Error(`functionEnvironments: the settings call for ${name}, which was not given`);
  return value;
}
