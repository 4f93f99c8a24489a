import type { Logger } from '@aws-lambda-powertools/logger';
import type { Ledger } from '../../ledger/Ledger';
import type { PayloadStore } from '../../payload/PayloadStore';
import type { DependencyBreakers } from '../../resilience/DependencyBreakers';
import type { MessageQueue } from '../MessageQueue';
import type { PackageWriter } from '../PackageWriter';

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
  /** Writes the subject's package when a request ends (load, erase); none writes no package. */
  readonly packages?: PackageWriter;
}
