import { z } from 'zod';
import { readConfig } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { pagerDutyFields } from '../common/envSchemas';
import { evidenceLocationOf, type SnowflakeSettings, snowflakeSettings } from '../common/snowflakeSettings';
import { stageEnv } from '../common/stageEnv';

/** What the loader reads from its environment besides the Snowflake settings (see {@link loadConfig}). */
export const loadEnv = z
  .object({
    ...stageEnv.shape,
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

export interface LoadConfig {
  readonly env: LoadEnv;
  readonly dataMap: DataMap;
  readonly snowflake: SnowflakeSettings;
  readonly location: LoadLocation;
}

/** Parses the loader's environment: the stage settings, Snowflake and where the evidence lands. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap): LoadConfig {
  const env = readConfig(loadEnv, rawEnv);
  const snowflake = snowflakeSettings(
    rawEnv,
    'the loader writes the evidence into DSR_FINDINGS in Snowflake',
  );
  return {
    env,
    dataMap: readDataMap(env.DSR_DATAMAP_PATH),
    snowflake,
    location: evidenceLocationOf(snowflake.env),
  };
}
