import type { Logger } from '@aws-lambda-powertools/logger';
import type { Ledger } from '../../ledger/Ledger';
import type { PayloadStore } from '../../payload/PayloadStore';
import type { DependencyBreakers } from '../../resilience/DependencyBreakers';
import type { MessageQueue } from '../MessageQueue';

/** What every stage is given. */
export interface StageDeps {
  /** e.g. `extract-standard`, `gate`, `load`. */
  readonly stage: string;
  readonly ledger: Ledger;
  readonly queue: MessageQueue;
  readonly payloads: PayloadStore;
  readonly logger: Logger;
  /** Breakers around the dependencies; none means calls go straight through. */
  readonly breakers?: DependencyBreakers;
  readonly now?: () => Date;
}
