import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { Ledger } from '../../shared/ledger/Ledger';
import type { StageWork } from '../../shared/pipeline/RecordContext';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import type { StageDeps } from '../../shared/pipeline/stages/StageDeps';
import type { StageRuntime } from './StageRuntime';
import type { StageEnv } from './stageEnv';
import {
  lazyHandler,
  readDataMapFile,
  type StageFoundation,
  stageBreakers,
  stageFoundation,
  stageProcessor,
} from './stageFoundation';

/** What a stage's wiring is given: its parsed configuration, the foundation and the runtime. */
export interface StageWiring<C> extends StageFoundation {
  readonly config: C;
  readonly runtime: StageRuntime;
  /**
   * What every stage takes (`StageDeps`) around its ledger: the stage's name, queue and bucket,
   * logger, a breaker per dependency (as the environment sets them) and the runtime's clock.
   */
  stageDeps(ledger: Ledger): StageDeps;
}

/** What a stage's wiring makes: its ledger and work, and what runs once per batch before its records. */
export interface WiredStage {
  readonly ledger: Ledger;
  readonly work: StageWork;
  /** e.g. replacing a connection that died while the container was frozen. */
  readonly beforeBatch?: () => Promise<void>;
}

/**
 * A queue-driven stage's Lambda handler. On the first invocation of a container it parses the
 * configuration (`parseConfig`; a `ConfigError` names the variable), builds the foundation (logger,
 * queue, bucket), lets `wire` make the stage's ledger and work, and puts the record processor
 * (dead-letter queue, receive limit, backoff) around it; later invocations reuse all of it. A build
 * that fails is forgotten, so the next invocation tries again (see `lazyHandler`).
 */
export function stageHandler<C extends { readonly env: StageEnv; readonly dataMap: DataMap }>(
  rawEnv: NodeJS.ProcessEnv,
  runtime: StageRuntime,
  parseConfig: (rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap) => C,
  wire: (wiring: StageWiring<C>) => Promise<WiredStage> | WiredStage,
): SqsBatchHandler {
  return lazyHandler(async () => {
    const config = parseConfig(rawEnv, readDataMapFile);
    const foundation = stageFoundation(config, runtime);
    const { env, logger, sqs, payloads } = foundation;
    const { ledger, work, beforeBatch } = await wire({
      ...foundation,
      config,
      runtime,
      stageDeps: (stageLedger) => ({
        stage: env.DSR_STAGE,
        ledger: stageLedger,
        queue: sqs,
        payloads,
        logger,
        breakers: stageBreakers(env, logger),
        ...(runtime.now ? { now: runtime.now } : {}),
      }),
    });
    const processor = stageProcessor(foundation, ledger, runtime, work);
    if (!beforeBatch) return processor;
    return async (event, context) => {
      await beforeBatch();
      return processor(event, context);
    };
  });
}
