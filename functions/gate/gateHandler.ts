import { PagerDutyClient } from '../../shared/alerting/PagerDutyClient';
import { openDriftGate } from '../../shared/drift/openDriftGate';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { gateStage } from '../../shared/pipeline/stages/gateStage';
import { stageVerdictOf } from '../../shared/pipeline/stages/stageVerdictOf';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { withCompletions } from '../common/completionPublisher';
import { openSnowflake } from '../common/openSnowflake';
import type { StageRuntime } from '../common/StageRuntime';
import { secretValue } from '../common/secretValue';
import {
  lazyHandler,
  pgCredentials,
  readDataMapFile,
  stageBreakers,
  stageFoundation,
  stageProcessor,
} from '../common/stageFoundation';
import { gateConfig } from './gateEnv';

/**
 * The gate stage's handler: appends forwarded ledger entries, compares the PostgreSQL tables the
 * findings came from with their Snowflake mirrors, and quarantines (bucket, metric, page) or hands on.
 */
export function createGateHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SqsBatchHandler {
  return lazyHandler(async () => {
    const config = gateConfig(rawEnv, readDataMapFile);
    const foundation = stageFoundation(config, runtime);
    const { dataMap, logger, sqs, payloads } = foundation;
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
    const ledger = withCompletions(
      new SnowflakeLedger(async () => snowflake, config.location),
      rawEnv,
      runtime,
      env.PAYLOAD_BUCKET,
    );
    const routingKey = secretValue(
      env.PAGERDUTY_ROUTING_KEY,
      env.PAGERDUTY_ROUTING_KEY_SECRET_ARN,
      'PAGERDUTY_ROUTING_KEY',
      { ...(runtime.secrets ? { client: runtime.secrets } : {}), field: 'routingKey' },
    );
    const work = gateStage({
      stage: env.DSR_STAGE,
      ledger,
      queue: sqs,
      payloads,
      logger,
      breakers: stageBreakers(env, logger),
      ...(runtime.now ? { now: runtime.now } : {}),
      nextQueueUrl: env.NEXT_QUEUE_URL,
      eraseQueueUrl: env.ERASE_QUEUE_URL,
      checkDrift: async (tablesTouched) => {
        const postgresTables = tablesTouched
          .filter((t) => t.startsWith('postgres:'))
          .map((t) => t.slice('postgres:'.length));
        return stageVerdictOf(await gate.check(postgresTables));
      },
      metrics: new ComplianceMetrics(runtime.metricSink),
      pagerDuty: new PagerDutyClient({
        routingKey: { get: routingKey },
        ...(env.PAGERDUTY_EVENTS_URL ? { endpoint: env.PAGERDUTY_EVENTS_URL } : {}),
        ...(runtime.fetch ? { fetch: runtime.fetch } : {}),
      }),
    });
    return stageProcessor(foundation, ledger, runtime, work);
  });
}
