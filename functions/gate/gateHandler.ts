import { openDriftGate } from '../../shared/drift/openDriftGate';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { gateStage } from '../../shared/pipeline/stages/gateStage';
import { stageVerdictOf } from '../../shared/pipeline/stages/stageVerdictOf';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { evidenceLedger } from '../common/evidenceLedger';
import { openSnowflake } from '../common/openSnowflake';
import { quarantinePorts } from '../common/quarantinePorts';
import type { StageRuntime } from '../common/StageRuntime';
import { pgCredentials } from '../common/stageFoundation';
import { stageHandler } from '../common/stageHandler';
import { gateConfig } from './gateEnv';

/**
 * The gate stage's handler: appends forwarded ledger entries, compares the PostgreSQL tables the
 * findings came from with their Snowflake mirrors, and quarantines (bucket, metric, page) or hands on.
 */
export function createGateHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SqsBatchHandler {
  return stageHandler(rawEnv, runtime, gateConfig, ({ config, dataMap, stageDeps }) => {
    const env = config.env;
    const snowflake = openSnowflake(config.snowflake, runtime);
    const postgres = openPgDatabase(env, pgCredentials(env, runtime));
    const gate = openDriftGate({
      dataMap,
      postgres,
      snowflake,
      thresholdPercent: env.DSR_DRIFT_THRESHOLD_PCT,
      cacheTtlMs: env.DSR_DRIFT_CACHE_TTL_MS,
      ...(runtime.now ? { now: () => (runtime.now as () => Date)().getTime() } : {}),
    });
    const ledger = evidenceLedger(snowflake, config.location, rawEnv, runtime, env.PAYLOAD_BUCKET);
    const work = gateStage({
      ...stageDeps(ledger),
      ...quarantinePorts(env, runtime),
      nextQueueUrl: env.NEXT_QUEUE_URL,
      eraseQueueUrl: env.ERASE_QUEUE_URL,
      checkDrift: async (tablesTouched) => {
        const postgresTables = tablesTouched
          .filter((t) => t.startsWith('postgres:'))
          .map((t) => t.slice('postgres:'.length));
        return stageVerdictOf(await gate.check(postgresTables));
      },
    });
    return { ledger, work };
  });
}
