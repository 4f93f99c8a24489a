import { z } from 'zod';
import { postgresEnv } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { driftEnv } from '../../shared/drift/driftEnv';
import { exactlyOne, forWhat, pagerDutyFields } from '../common/envSchemas';
import { type EvidenceWriterConfig, evidenceWriterConfig } from '../common/snowflakeSettings';
import { PG_CREDENTIAL_VARIABLES, pgCredentialFields, stageEnv } from '../common/stageEnv';

/** Everything the gate reads from its environment but the Snowflake settings (see {@link gateConfig}). */
export const gateEnv = z
  .object({
    ...stageEnv.shape,
    ...postgresEnv.shape,
    ...pgCredentialFields,
    ...driftEnv.shape,
    NEXT_QUEUE_URL: z.url(forWhat('the load queue, where checked findings go')),
    ERASE_QUEUE_URL: z.url(forWhat('the erase queue, where erasure requests go after the gate')),
    ...pagerDutyFields,
  })
  .superRefine(exactlyOne(PG_CREDENTIAL_VARIABLES, 'the PostgreSQL credentials'))
  .superRefine(
    exactlyOne(
      ['PAGERDUTY_ROUTING_KEY', 'PAGERDUTY_ROUTING_KEY_SECRET_ARN'],
      'the PagerDuty routing key a gate violation pages with',
    ),
  );
export type GateEnv = z.output<typeof gateEnv>;

export type GateConfig = EvidenceWriterConfig<GateEnv>;

/** Parses the gate's environment (Snowflake included: it reads the mirrors and writes the ledger). */
export function gateConfig(rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap): GateConfig {
  return evidenceWriterConfig(
    gateEnv,
    rawEnv,
    readDataMap,
    'the gate compares each table with its Snowflake mirror and writes the ledger there',
  );
}
