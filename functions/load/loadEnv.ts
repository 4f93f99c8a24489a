import { z } from 'zod';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { count, forWhat, pagerDutyFields } from '../common/envSchemas';
import { type EvidenceWriterConfig, evidenceWriterConfig } from '../common/snowflakeSettings';
import { stageEnv } from '../common/stageEnv';

/** What the loader reads from its environment besides the Snowflake settings (see {@link loadConfig}). */
export const loadEnv = z
  .object({
    ...stageEnv.shape,
    /**
     * The load queue itself: a request the loader cannot finish before its timeout is sent here
     * again and continues after its last checkpoint in the next invocation.
     */
    CONTINUE_QUEUE_URL: z.url(
      forWhat('the load queue, where a request not finished in one invocation continues'),
    ),
    /** No new part is started with less time left than this (ms). */
    DSR_LOAD_RESERVE_MS: count(20_000, 600_000),
    // An integrity violation found at load pages directly when the loader is given the routing key;
    // otherwise the ComplianceGateViolation alarm pages.
    ...pagerDutyFields,
  })
  .refine((env) => !(env.PAGERDUTY_ROUTING_KEY && env.PAGERDUTY_ROUTING_KEY_SECRET_ARN), {
    message:
      'give the PagerDuty routing key one way: PAGERDUTY_ROUTING_KEY or PAGERDUTY_ROUTING_KEY_SECRET_ARN',
    path: ['PAGERDUTY_ROUTING_KEY'],
  });
export type LoadEnv = z.output<typeof loadEnv>;

export type LoadConfig = EvidenceWriterConfig<LoadEnv>;

/** Parses the loader's environment: the stage settings, Snowflake and where the evidence lands. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap): LoadConfig {
  return evidenceWriterConfig(
    loadEnv,
    rawEnv,
    readDataMap,
    'the loader writes the evidence into DSR_FINDINGS in Snowflake',
  );
}
