import { loadFindingsPart } from '../../shared/load/loadFindings';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import { SubjectPackageWriter } from '../../shared/pipeline/SubjectPackageWriter';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { loadStage } from '../../shared/pipeline/stages/loadStage';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { withCompletions } from '../common/completionPublisher';
import { openSnowflake } from '../common/openSnowflake';
import { pagerDutyFromEnv } from '../common/pagerDutyFromEnv';
import type { StageRuntime } from '../common/StageRuntime';
import {
  lazyHandler,
  readDataMapFile,
  stageBreakers,
  stageFoundation,
  stageProcessor,
} from '../common/stageFoundation';
import { loadConfig } from './loadEnv';

/** The load stage's handler: lands the findings in `DSR_FINDINGS` (idempotent MERGE) and records `loaded`. */
export function createLoadHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SqsBatchHandler {
  return lazyHandler(async () => {
    const config = loadConfig(rawEnv, readDataMapFile);
    const foundation = stageFoundation(config, runtime);
    const { env, logger, sqs, payloads } = foundation;
    const snowflake = openSnowflake(config.snowflake, runtime);
    const ledger = withCompletions(
      new SnowflakeLedger(async () => snowflake, config.location),
      rawEnv,
      runtime,
      env.PAYLOAD_BUCKET,
    );
    const now = runtime.now ?? (() => new Date());
    const work = loadStage({
      stage: env.DSR_STAGE,
      ledger,
      queue: sqs,
      payloads,
      logger,
      breakers: stageBreakers(env, logger),
      metrics: new ComplianceMetrics(runtime.metricSink),
      // An integrity violation pages directly when the load function is given the routing key;
      // otherwise the ComplianceGateViolation alarm pages.
      ...(config.env.PAGERDUTY_ROUTING_KEY || config.env.PAGERDUTY_ROUTING_KEY_SECRET_ARN
        ? {
            pagerDuty: pagerDutyFromEnv(config.env, runtime),
          }
        : {}),
      ...(runtime.now ? { now: runtime.now } : {}),
      continueQueueUrl: config.env.CONTINUE_QUEUE_URL,
      packages: new SubjectPackageWriter({
        dataMap: config.dataMap,
        ledger,
        sinkFor: foundation.packageSink,
      }),
      reserveMs: config.env.DSR_LOAD_RESERVE_MS,
      loadPart: async (findings, { message, evidenceHash }) => {
        // Discovery time is the `discovered` entry the message carries from the extractor (the one
        // the gate wrote to the ledger), so a reload keeps it; the ledger is read only without it.
        const discovered =
          message.carriedLedger?.find((e) => e.state === 'discovered') ??
          (await ledger.history(message.requestId)).find((e) => e.state === 'discovered');
        await loadFindingsPart(
          snowflake,
          config.location,
          { requestId: message.requestId, evidenceHash },
          findings,
          {
            discoveredAt: discovered ? new Date(discovered.at) : now(),
            batchSize: config.snowflake.env.SNOWFLAKE_LOAD_BATCH_SIZE,
          },
        );
      },
    });
    return stageProcessor(foundation, ledger, runtime, work);
  });
}
