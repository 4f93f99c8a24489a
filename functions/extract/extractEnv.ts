import { z } from 'zod';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { count, exactlyOne, forWhat, optional } from '../common/envSchemas';
import { erasePlanLimitFields } from '../common/erasePlanLimit';
import { type SnowflakeSettings, snowflakeSettings } from '../common/snowflakeSettings';
import {
  PG_CREDENTIAL_VARIABLES,
  pgCredentialFields,
  SUBJECT_HASH_KEY_VARIABLES,
  stageEnv,
  subjectHashKeyFields,
} from '../common/stageEnv';

/**
 * Everything extract-high and extract-standard read from their environment, but the Snowflake
 * settings, which they need only when the data map sends them to Snowflake (see {@link extractConfig}).
 */
export const extractEnv = z
  .object({
    ...stageEnv.shape,
    ...postgresEnv.shape,
    ...pgCredentialFields,
    ...subjectHashKeyFields,
    ...erasePlanLimitFields,
    DSR_PRIORITY: z.enum(['high', 'standard'], forWhat('which intake queue this extractor consumes')),
    NEXT_QUEUE_URL: z.url(forWhat('the gate queue, where findings go')),
    /** Required of extract-standard: where a request near its deadline is promoted. */
    HIGH_QUEUE_URL: optional(z.url()),
    DSR_PROMOTION_WINDOW_DAYS: count(7, 365),
    /** Findings whose canonical text is larger travel to the gate as parts in the payload bucket. */
    DSR_CLAIM_CHECK_BYTES: count(200 * 1024, 200 * 1024),
    /** Bytes of one findings part at most (newline-delimited canonical findings). */
    DSR_FINDINGS_PART_BYTES: count(4 * 1024 * 1024, 64 * 1024 * 1024),
    /** Also search the Snowflake mirrors of PostgreSQL tables. */
    DSR_SEARCH_MIRRORS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .superRefine(exactlyOne(PG_CREDENTIAL_VARIABLES, 'the PostgreSQL credentials'))
  .superRefine(exactlyOne(SUBJECT_HASH_KEY_VARIABLES, 'the key of the subject hash'))
  .superRefine((env, ctx) => {
    if (env.DSR_PRIORITY === 'standard' && env.HIGH_QUEUE_URL === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['HIGH_QUEUE_URL'],
        message: 'is not set: the high intake queue, where a standard request near its deadline is promoted',
      });
  });
export type ExtractEnv = z.output<typeof extractEnv>;

/** An extractor's whole configuration, parsed once at cold start. */
export interface ExtractConfig {
  readonly env: ExtractEnv;
  readonly dataMap: DataMap;
  /** Present when the data map sends the extractor to Snowflake, absent otherwise. */
  readonly snowflake: SnowflakeSettings | undefined;
}

/**
 * Why an extractor with this data map searches Snowflake, or `undefined` when it does not: the
 * map has Snowflake tables, or mirrors are searched and some PostgreSQL table has one. The stack
 * uses the same answer to give the extractors Snowflake settings, credentials and grants.
 */
export function snowflakeSearchReason(dataMap: DataMap, searchMirrors: boolean): string | undefined {
  if (dataMap.snowflake.length > 0)
    return `the data map has ${dataMap.snowflake.length} Snowflake table(s), which the extractors search`;
  if (searchMirrors && dataMap.postgres.some((t) => t.mirror))
    return 'DSR_SEARCH_MIRRORS is true and the data map names Snowflake mirrors, which the extractors search';
  return undefined;
}

/**
 * Parses an extractor's environment and reads its data map (through `readDataMap`); the Snowflake
 * settings are required exactly when {@link snowflakeSearchReason} gives a reason.
 */
export function extractConfig(
  rawEnv: NodeJS.ProcessEnv,
  readDataMap: (path: string) => DataMap,
): ExtractConfig {
  const env = readConfig(extractEnv, rawEnv);
  const dataMap = readDataMap(env.DSR_DATAMAP_PATH);
  const reason = snowflakeSearchReason(dataMap, env.DSR_SEARCH_MIRRORS);
  return { env, dataMap, snowflake: reason ? snowflakeSettings(rawEnv, reason) : undefined };
}
