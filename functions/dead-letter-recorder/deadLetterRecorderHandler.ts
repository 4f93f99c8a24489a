import { S3PayloadStore } from '../../adapters/aws/S3PayloadStore';
import { SqsMessageQueue } from '../../adapters/aws/SqsMessageQueue';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { normalizeSubject } from '../../shared/discovery/discoverSubject';
import { subjectHash } from '../../shared/identity/subjectHash';
import { parseIntakeMessage } from '../../shared/intake/parseIntakeMessage';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import {
  type DeadLetterRecorderOutcome,
  recordDeadLetters,
} from '../../shared/pipeline/stages/deadLetterRecorderStage';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../shared/telemetry/createLogger';
import { withCompletions } from '../common/completionPublisher';
import { openSnowflake } from '../common/openSnowflake';
import { pagerDutyFromEnv } from '../common/pagerDutyFromEnv';
import type { StageRuntime } from '../common/StageRuntime';
import { secretValue } from '../common/secretValue';
import { lazyHandler, readDataMapFile } from '../common/stageFoundation';
import { recorderConfig } from './recorderEnv';

/**
 * The dead-letter recorder, run on a schedule: records every message that SQS's redrive policy
 * moved to a dead-letter queue without the pipeline's envelope (see `recordDeadLetters`). Intake
 * bodies are hashed with the subject-hash key, so their ledger entry carries the subject hash.
 */
export function createDeadLetterRecorderHandler(
  rawEnv: NodeJS.ProcessEnv,
  runtime: StageRuntime = {},
): (event: unknown) => Promise<DeadLetterRecorderOutcome> {
  return lazyHandler(async () => {
    const config = recorderConfig(rawEnv, readDataMapFile);
    const { env, dataMap } = config;
    const clients = createAwsClients({
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      ...(env.DSR_SQS_ENDPOINT ? { sqsEndpoint: env.DSR_SQS_ENDPOINT } : {}),
      ...(env.DSR_S3_ENDPOINT ? { s3Endpoint: env.DSR_S3_ENDPOINT } : {}),
    });
    const sqs = new SqsMessageQueue(runtime.sqs ?? clients.sqs);
    const secrets = runtime.secrets ? { client: runtime.secrets } : {};
    const hashKey = await secretValue(
      env.DSR_SUBJECT_HASH_KEY,
      env.DSR_SUBJECT_HASH_KEY_SECRET_ARN,
      'DSR_SUBJECT_HASH_KEY',
      secrets,
    )();
    const identityKinds = Object.keys(dataMap.identities);
    const snowflake = openSnowflake(config.snowflake, runtime);
    const deps = {
      sources: env.DEAD_LETTER_SOURCES.map((s) => ({
        stage: s.stage,
        deadLetterUrl: s.url,
        maxReceiveCount: s.maxReceiveCount,
      })),
      inbox: sqs,
      queue: sqs,
      payloads: new S3PayloadStore(runtime.s3 ?? clients.s3, {
        bucket: env.PAYLOAD_BUCKET,
        ...(env.PAYLOAD_KMS_KEY_ARN ? { kmsKeyId: env.PAYLOAD_KMS_KEY_ARN } : {}),
      }),
      ledger: withCompletions(
        new SnowflakeLedger(async () => snowflake, config.location),
        rawEnv,
        runtime,
        env.PAYLOAD_BUCKET,
      ),
      metrics: new ComplianceMetrics(runtime.metricSink),
      pagerDuty: pagerDutyFromEnv(env, runtime),
      logger: createLogger({ ...(runtime.logSink ? { sink: runtime.logSink } : {}) }),
      subjectHashOfIntake: (body: string) =>
        subjectHash(hashKey, normalizeSubject(dataMap, parseIntakeMessage(body, { identityKinds }).subject)),
      ...(runtime.now ? { now: runtime.now } : {}),
    };
    return async () => recordDeadLetters(deps);
  });
}
