import { z } from 'zod';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { optional, pagerDutyFields } from '../common/envSchemas';
import { type EvidenceWriterConfig, evidenceWriterConfig } from '../common/snowflakeSettings';

/** One dead-letter queue to watch: its stage, URL and the receive limit of its redrive policy. */
const source = z.strictObject({
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  url: z.url(),
  maxReceiveCount: z.number().int().min(1).max(1000),
});

/**
 * What the dead-letter recorder reads from its environment besides the Snowflake settings (its
 * ledger). `DEAD_LETTER_SOURCES` is a JSON array of `{ stage, url, maxReceiveCount }`.
 */
export const recorderEnv = z.object({
  DSR_DATAMAP_PATH: z.string().min(1).default('datamap.yaml'),
  DEAD_LETTER_SOURCES: z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    },
    z.array(source).min(1, 'names no dead-letter queue'),
  ),
  PAYLOAD_BUCKET: z.string({ error: 'is not set (the failed-payload bucket)' }).min(3),
  PAYLOAD_KMS_KEY_ARN: optional(z.string().min(1)),
  DSR_SUBJECT_HASH_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
  DSR_SUBJECT_HASH_KEY_SECRET_ARN: optional(z.string().min(1)),
  ...pagerDutyFields,
  DSR_SQS_ENDPOINT: optional(z.url()),
  DSR_S3_ENDPOINT: optional(z.url()),
  AWS_REGION: optional(z.string().min(1)),
});
export type RecorderEnv = z.output<typeof recorderEnv>;

export type RecorderConfig = EvidenceWriterConfig<RecorderEnv>;

/** Parses the recorder's environment: its sources, the bucket, the hash key, PagerDuty and the ledger in Snowflake. */
export function recorderConfig(
  rawEnv: NodeJS.ProcessEnv,
  readDataMap: (path: string) => DataMap,
): RecorderConfig {
  return evidenceWriterConfig(
    recorderEnv,
    rawEnv,
    readDataMap,
    'the dead-letter recorder writes dead_lettered entries into DSR_LEDGER in Snowflake',
  );
}
