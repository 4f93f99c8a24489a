import { loadFindingsPart } from '../../shared/load/loadFindings';
import { SubjectPackageWriter } from '../../shared/pipeline/SubjectPackageWriter';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { loadStage } from '../../shared/pipeline/stages/loadStage';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { evidenceLedger } from '../common/evidenceLedger';
import { openSnowflake } from '../common/openSnowflake';
import { quarantinePorts } from '../common/quarantinePorts';
import type { StageRuntime } from '../common/StageRuntime';
import { stageHandler } from '../common/stageHandler';
import { loadConfig } from './loadEnv';

/** The load stage's handler: lands the findings in `DSR_FINDINGS` (idempotent MERGE) and records `loaded`. */
export function createLoadHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SqsBatchHandler {
  return stageHandler(rawEnv, runtime, loadConfig, ({ config, stageDeps, packageSink }) => {
    const env = config.env;
    const snowflake = openSnowflake(config.snowflake, runtime);
    const ledger = evidenceLedger(snowflake, config.location, rawEnv, runtime, env.PAYLOAD_BUCKET);
    const now = runtime.now ?? (() => new Date());
    const work = loadStage({
      ...stageDeps(ledger),
      // An integrity violation pages directly when the load function is given the routing key;
      // otherwise the ComplianceGateViolation alarm pages.
      ...(env.PAGERDUTY_ROUTING_KEY || env.PAGERDUTY_ROUTING_KEY_SECRET_ARN
        ? quarantinePorts(env, runtime)
        : { metrics: new ComplianceMetrics(runtime.metricSink) }),
      continueQueueUrl: env.CONTINUE_QUEUE_URL,
      packages: new SubjectPackageWriter({ dataMap: config.dataMap, ledger, sinkFor: packageSink }),
      reserveMs: env.DSR_LOAD_RESERVE_MS,
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
    return { ledger, work };
  });
}
