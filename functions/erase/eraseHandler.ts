import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import type { StageRuntime } from '../common/StageRuntime';

/** The erase stage's handler (being built: refuses every batch until then). */
export function createEraseHandler(_rawEnv: NodeJS.ProcessEnv, _runtime: StageRuntime = {}): SqsBatchHandler {
  return async () => {
    throw new Error('the erase stage is not built yet');
  };
}
