import { z } from 'zod';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { count, forWhat, optional, pagerDutyFields } from '../common/envSchemas';
import { type EvidenceWriterConfig, evidenceWriterConfig } from '../common/snowflakeSettings';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What the deadline check reads besides the Snowflake settings (the ledger it reads and anchors).
 * Anchors go to `ANCHOR_BUCKET` (the Object Lock bucket) or, locally, to files under
 * `DSR_ANCHOR_DIR`: exactly one.
 */
export const deadlineCheckEnv = z
  .object({
    DSR_DATAMAP_PATH: z.string().min(1).default('datamap.yaml'),
    /** Share of its period after which an open request pages (0–1). */
    DSR_DEADLINE_ALARM_SHARE: z.coerce.number().gt(0).max(1).default(0.8),
    /** Hours an erasure may wait for `dsr approve` before the check pages (`approval_waiting`). */
    DSR_APPROVAL_ALARM_HOURS: count(24, 8760),
    /** Public holidays not counted as business days, comma-separated `YYYY-MM-DD`. */
    DSR_HOLIDAYS: optional(
      z
        .string()
        .transform((v) => v.split(',').map((d) => d.trim()))
        .pipe(z.array(z.string().regex(DATE, 'must list dates as YYYY-MM-DD, comma-separated'))),
    ),
    /**
     * Days back the completion sweep looks for terminal requests never announced (see
     * `sweepCompletions`): older ones are left alone, so a first run does not announce the past.
     */
    DSR_COMPLETION_SWEEP_DAYS: count(30, 366),
    /** The payload bucket, for the package location a late completion event names. */
    PAYLOAD_BUCKET: z.string(forWhat('the payload bucket the packages are written to')).min(3),
    ANCHOR_BUCKET: optional(z.string().min(3)),
    DSR_ANCHOR_DIR: optional(z.string().min(1)),
    ...pagerDutyFields,
    DSR_S3_ENDPOINT: optional(z.url()),
    AWS_REGION: optional(z.string().min(1)),
  })
  .superRefine((env, ctx) => {
    if ((env.ANCHOR_BUCKET === undefined) === (env.DSR_ANCHOR_DIR === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['ANCHOR_BUCKET'],
        message:
          'set exactly one of ANCHOR_BUCKET (deployed) and DSR_ANCHOR_DIR (local): where ledger anchors go',
      });
  });
export type DeadlineCheckEnv = z.output<typeof deadlineCheckEnv>;

export type DeadlineCheckConfig = EvidenceWriterConfig<DeadlineCheckEnv>;

export function deadlineCheckConfig(
  rawEnv: NodeJS.ProcessEnv,
  readDataMap: (path: string) => DataMap,
): DeadlineCheckConfig {
  return evidenceWriterConfig(
    deadlineCheckEnv,
    rawEnv,
    readDataMap,
    'the deadline check reads DSR_LEDGER in Snowflake and anchors it',
  );
}
