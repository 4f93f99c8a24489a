import { S3AnchorStore } from '../../adapters/aws/S3AnchorStore';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import { type DeadlineCheckOutcome, runDeadlineCheck } from '../../shared/audit/runDeadlineCheck';
import { takeLedgerAnchor } from '../../shared/audit/takeLedgerAnchor';
import { ensureEvidenceTables } from '../../shared/load/ensureEvidenceTables';
import { type LedgerRecord, readLedgerSince } from '../../shared/load/readLedger';
import { sweepCompletions } from '../../shared/pipeline/sweepCompletions';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../shared/telemetry/createLogger';
import { evidenceLedger } from '../common/evidenceLedger';
import { openSnowflake } from '../common/openSnowflake';
import { pagerDutyFromEnv } from '../common/pagerDutyFromEnv';
import type { StageRuntime } from '../common/StageRuntime';
import { lazyHandler, readDataMapFile } from '../common/stageFoundation';
import { deadlineCheckConfig } from './deadlineCheckEnv';

/**
 * A terminal state this recent is left to the stage that wrote it, which publishes within its own
 * invocation: the longest function timeout, plus margin.
 */
const COMPLETION_SETTLE_MS = 15 * 60_000;
/** At most this many late announcements per hourly run, so one run stays well within its timeout. */
const COMPLETION_SWEEP_LIMIT = 50;

/**
 * The deadline check, run hourly by EventBridge Scheduler: pages for open requests near or past
 * their deadline, emits open requests by days left, announces terminal requests whose completion
 * event was never published (`sweepCompletions`), and takes the day's ledger anchor.
 */
export function createDeadlineCheckHandler(
  rawEnv: NodeJS.ProcessEnv,
  runtime: StageRuntime = {},
): (event: unknown) => Promise<DeadlineCheckOutcome> {
  return lazyHandler(async () => {
    const config = deadlineCheckConfig(rawEnv, readDataMapFile);
    const { env } = config;
    const snowflake = openSnowflake(config.snowflake, runtime);
    const store = env.ANCHOR_BUCKET
      ? new S3AnchorStore(
          runtime.s3 ??
            createAwsClients({
              ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
              ...(env.DSR_S3_ENDPOINT ? { s3Endpoint: env.DSR_S3_ENDPOINT } : {}),
            }).s3,
          env.ANCHOR_BUCKET,
        )
      : new FileAnchorStore(env.DSR_ANCHOR_DIR as string);
    // Terminal requests never announced are published through the stages' own publishing ledger.
    const ledger = evidenceLedger(snowflake, config.location, rawEnv, runtime, env.PAYLOAD_BUCKET);
    const deps = {
      readLedger: async () => {
        await ensureEvidenceTables(snowflake, config.location);
        return readLedgerSince(snowflake, config.location);
      },
      pagerDuty: pagerDutyFromEnv(env, runtime),
      metrics: new ComplianceMetrics(runtime.metricSink),
      logger: createLogger({ ...(runtime.logSink ? { sink: runtime.logSink } : {}) }),
      now: runtime.now ?? (() => new Date()),
      announceCompletions: (records: readonly LedgerRecord[], now: Date) =>
        sweepCompletions(ledger, records, {
          now,
          windowMs: env.DSR_COMPLETION_SWEEP_DAYS * 86_400_000,
          settleMs: COMPLETION_SETTLE_MS,
          limit: COMPLETION_SWEEP_LIMIT,
        }),
      anchor: (now: Date) => takeLedgerAnchor(snowflake, config.location, store, now),
      options: {
        share: env.DSR_DEADLINE_ALARM_SHARE,
        approvalAlarmHours: env.DSR_APPROVAL_ALARM_HOURS,
        ...(env.DSR_HOLIDAYS ? { holidays: new Set(env.DSR_HOLIDAYS) } : {}),
      },
    };
    return async () => runDeadlineCheck(deps);
  });
}
