import type { Ledger } from '../../shared/ledger/Ledger';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { withCompletions } from './completionPublisher';
import type { StageRuntime } from './StageRuntime';

/**
 * The ledger of a function that writes `DSR_LEDGER` (gate, load, erase, the dead-letter recorder):
 * in Snowflake through the evidence writer's session, publishing a completion event on every
 * terminal state (see `withCompletions`).
 */
export function evidenceLedger(
  snowflake: SnowflakeDatabase,
  location: LoadLocation,
  rawEnv: NodeJS.ProcessEnv,
  runtime: StageRuntime,
  packageBucket: string,
): Ledger {
  return withCompletions(
    new SnowflakeLedger(async () => snowflake, location),
    rawEnv,
    runtime,
    packageBucket,
  );
}
