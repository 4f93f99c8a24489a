import { z } from 'zod';
import { postgresEnv } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { TEXT_SCAN_MAX_ROWS } from '../../shared/erasure/scanTextColumns';
import { ConfigError } from '../../shared/errors/errors';
import { count, exactlyOne, forWhat, optional, pagerDutyFields } from '../common/envSchemas';
import { erasePlanLimitFields } from '../common/erasePlanLimit';
import {
  type EvidenceWriterConfig,
  evidenceWriterConfig,
  type SnowflakeSettings,
  snowflakeSettings,
} from '../common/snowflakeSettings';
import {
  PG_CREDENTIAL_VARIABLES,
  pgCredentialFields,
  SUBJECT_HASH_KEY_VARIABLES,
  stageEnv,
  subjectHashKeyFields,
} from '../common/stageEnv';
import { snowflakeSearchReason } from '../extract/extractEnv';

/** The erasure role's PostgreSQL credentials: its own secret in AWS, a DSN on one machine. */
export const ERASURE_PG_VARIABLES = ['DSR_ERASURE_PG_SECRET_ARN', 'DSR_ERASURE_PG_DSN'];
/** The key of keyed-hash masks: a plain value on one machine, its secret in AWS. */
export const MASK_KEY_VARIABLES = ['DSR_ERASURE_MASK_KEY', 'DSR_ERASURE_MASK_KEY_SECRET_ARN'];

/**
 * Everything the erase function reads besides its two Snowflake sessions (see {@link eraseConfig}).
 * It reads PostgreSQL as the extractors do (`PG_*`, for the re-discovery and the proof) and writes it
 * only through the erasure role (`DSR_ERASURE_PG_*`), which no other function is given.
 */
export const eraseEnv = z
  .object({
    ...stageEnv.shape,
    ...postgresEnv.shape,
    ...pgCredentialFields,
    ...subjectHashKeyFields,
    DSR_ERASURE_PG_SECRET_ARN: optional(z.string().min(1)),
    DSR_ERASURE_PG_DSN: optional(z.string().min(1)),
    DSR_ERASURE_MASK_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
    DSR_ERASURE_MASK_KEY_SECRET_ARN: optional(z.string().min(1)),
    /**
     * The erase queue itself: a plan waiting for approval is looked at again from there, and an
     * erasure not finished in one invocation continues from there.
     */
    CONTINUE_QUEUE_URL: z.url(
      forWhat(
        'the erase queue, where a plan waiting for approval is looked at again and an erasure continues',
      ),
    ),
    /**
     * No new transaction of the erasure, nor its proof, is started with less time left than this
     * (ms): the request continues in the next invocation (through `CONTINUE_QUEUE_URL`).
     */
    ...erasePlanLimitFields,
    DSR_ERASE_RESERVE_MS: count(20_000, 600_000),
    /**
     * Above this many PostgreSQL rows to change, each table is erased in batches of at most this
     * many rows, each batch its own transaction and checkpoint; at or below it, in one transaction.
     */
    DSR_ERASE_BATCH_ROWS: count(10_000, 1_000_000),
    /** Plans deleting or masking more rows than this wait for `dsr approve`. */
    DSR_APPROVAL_MAX_ROWS: count(1000, 100_000_000),
    /** How long a waiting plan's message is delayed before the ledger is read again (SQS allows 900 at most). */
    DSR_APPROVAL_POLL_SECONDS: count(900, 900),
    /** Days the operator keeps PostgreSQL backups and WAL archives: when erased rows become unrecoverable. */
    DSR_PG_BACKUP_RETENTION_DAYS: optional(z.coerce.number().int().min(0).max(36_500)),
    /**
     * Opt-in: the proof also scans every text column the reading role may SELECT outside the data map
     * for the subject's identifiers, reading at most this many rows per table (30 s per table), as
     * `dsr erase --proof-scan-text` does. Unset: no scan.
     */
    DSR_PROOF_SCAN_TEXT_ROWS: optional(z.coerce.number().int().min(1).max(TEXT_SCAN_MAX_ROWS)),
    /** Also search the Snowflake mirrors of PostgreSQL tables (as the extractors do). */
    DSR_SEARCH_MIRRORS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** The Snowflake user and role that may change the mapped Snowflake tables, and only this function. */
    SNOWFLAKE_ERASURE_USER: optional(z.string().min(1)),
    SNOWFLAKE_ERASURE_ROLE: optional(z.string().min(1)),
    SNOWFLAKE_ERASURE_PRIVATE_KEY_SECRET_ID: optional(z.string().min(1)),
    SNOWFLAKE_ERASURE_PASSWORD: optional(z.string().min(1)),
    /**
     * The extractors' read-only user and role: the erase function searches Snowflake as them (plans
     * again and proves) when the data map sends it to Snowflake but erases no Snowflake row, so no
     * erasure user is given and the evidence writer may not read the source tables.
     */
    SNOWFLAKE_READER_USER: optional(z.string().min(1)),
    SNOWFLAKE_READER_ROLE: optional(z.string().min(1)),
    SNOWFLAKE_READER_PRIVATE_KEY_SECRET_ID: optional(z.string().min(1)),
    SNOWFLAKE_READER_PASSWORD: optional(z.string().min(1)),
    // `erasure_unverified` pages.
    ...pagerDutyFields,
  })
  .superRefine(exactlyOne(PG_CREDENTIAL_VARIABLES, 'the PostgreSQL credentials (reading)'))
  .superRefine(exactlyOne(SUBJECT_HASH_KEY_VARIABLES, 'the key of the subject hash'))
  .superRefine(exactlyOne(ERASURE_PG_VARIABLES, 'the erasure role, the only one that writes PostgreSQL'))
  .superRefine(exactlyOne(MASK_KEY_VARIABLES, 'the key of keyed-hash masks'))
  .superRefine(
    exactlyOne(
      ['PAGERDUTY_ROUTING_KEY', 'PAGERDUTY_ROUTING_KEY_SECRET_ARN'],
      'the PagerDuty routing key an unverified erasure pages with',
    ),
  );
export type EraseEnv = z.output<typeof eraseEnv>;

export interface EraseConfig extends EvidenceWriterConfig<EraseEnv> {
  /**
   * The session that changes the mapped Snowflake tables (the erasure user and role); present when
   * the data map has Snowflake tables to delete from or mask.
   */
  readonly snowflakeErasure: SnowflakeSettings | undefined;
  /**
   * The read-only session the erase function searches Snowflake with when it has no erasure user:
   * present when the data map sends it to Snowflake (Snowflake tables, or mirrors searched) but
   * erases no Snowflake row.
   */
  readonly snowflakeReader: SnowflakeSettings | undefined;
}

/** Whether any Snowflake table of the map is erased by deleting or masking rows. */
export function erasesSnowflake(dataMap: DataMap): boolean {
  return dataMap.snowflake.some((t) => t.erasure?.action === 'delete' || t.erasure?.action === 'mask');
}

/**
 * Parses the erase function's environment: its own settings, the evidence writer's Snowflake
 * session (ledger, valueless evidence, receipts) and, when the map erases Snowflake rows, the
 * erasure user's session (`SNOWFLAKE_ERASURE_USER` with its key's secret, or its password towards
 * a loopback endpoint); when the map sends it to Snowflake but erases no Snowflake row, the
 * read-only user's session instead (`SNOWFLAKE_READER_*`).
 */
export function eraseConfig(rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap): EraseConfig {
  const base = evidenceWriterConfig(
    eraseEnv,
    rawEnv,
    readDataMap,
    'the erase stage writes the ledger, the valueless evidence and the receipt in Snowflake',
  );
  if (!erasesSnowflake(base.dataMap)) {
    const reason = snowflakeSearchReason(base.dataMap, base.env.DSR_SEARCH_MIRRORS);
    return {
      ...base,
      snowflakeErasure: undefined,
      snowflakeReader: reason
        ? sessionOf(
            rawEnv,
            'SNOWFLAKE_READER_',
            `${reason}; it erases none, so the erase function searches them as the read-only user`,
          )
        : undefined,
    };
  }
  const why = 'the data map deletes or masks Snowflake rows, which only the erasure user may do';
  return {
    ...base,
    snowflakeErasure: sessionOf(rawEnv, 'SNOWFLAKE_ERASURE_', why),
    snowflakeReader: undefined,
  };
}

/**
 * A second Snowflake session on the evidence writer's account, warehouse and proxy, as the user,
 * role and key (or loopback password) given under `prefix` (`SNOWFLAKE_ERASURE_USER`, …); its
 * user is required, `why` says for what.
 */
function sessionOf(
  rawEnv: NodeJS.ProcessEnv,
  prefix: 'SNOWFLAKE_ERASURE_' | 'SNOWFLAKE_READER_',
  why: string,
): SnowflakeSettings {
  const user = rawEnv[`${prefix}USER`];
  if (!user) throw new ConfigError(`${prefix}USER`, `is not set: ${why}`);
  return snowflakeSettings(
    {
      ...rawEnv,
      SNOWFLAKE_USER: user,
      SNOWFLAKE_ROLE: rawEnv[`${prefix}ROLE`],
      SNOWFLAKE_PRIVATE_KEY_SECRET_ID: rawEnv[`${prefix}PRIVATE_KEY_SECRET_ID`],
      SNOWFLAKE_PASSWORD: rawEnv[`${prefix}PASSWORD`],
      SNOWFLAKE_PRIVATE_KEY_PATH: undefined,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: undefined,
    },
    why,
  );
}
