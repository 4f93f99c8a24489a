import { normalizeSubject } from '../../shared/discovery/discoverSubject';
import { subjectHash } from '../../shared/identity/subjectHash';
import { parseIntakeMessage } from '../../shared/intake/parseIntakeMessage';
import {
  type DeadLetterRecorderOutcome,
  recordDeadLetters,
} from '../../shared/pipeline/stages/deadLetterRecorderStage';
import { evidenceLedger } from '../common/evidenceLedger';
import { openSnowflake } from '../common/openSnowflake';
import { quarantinePorts } from '../common/quarantinePorts';
import type { StageRuntime } from '../common/StageRuntime';
import { secretValue } from '../common/secretValue';
import { functionPorts, lazyHandler, readDataMapFile } from '../common/stageFoundation';
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
    const { logger, sqs, payloads } = functionPorts(env, runtime);
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
      payloads,
      ledger: evidenceLedger(snowflake, config.location, rawEnv, runtime, env.PAYLOAD_BUCKET),
      ...quarantinePorts(env, runtime),
      logger,
      subjectHashOfIntake: (body: string) =>
        subjectHash(hashKey, normalizeSubject(dataMap, parseIntakeMessage(body, { identityKinds }).subject)),
      ...(runtime.now ? { now: runtime.now } : {}),
    };
    return async () => recordDeadLetters(deps);
  });
}
