/** The loopback ports `dsr up` listens on (`snowflake` 0 when it uses the user's own account). */
export interface UpPorts {
  readonly sqs: number;
  readonly s3: number;
  readonly snowflake: number;
}

/** Where the ledger and the evidence live: the local endpoint's DuckDB file, or the user's account. */
export interface UpWarehouse {
  /** `local`: the local Snowflake endpoint `dsr up` runs; `account`: the user's `SNOWFLAKE_*`. */
  readonly kind: 'local' | 'account';
  /** The warehouse the session uses (`SNOWFLAKE_WAREHOUSE` for an account, null when unset). */
  readonly warehouse: string | null;
  readonly database: string;
  readonly schema: string;
  /** The local endpoint's URL; null for an account. */
  readonly url: string | null;
  /** The DuckDB file of the local endpoint; null for an account. */
  readonly file: string | null;
}

/**
 * A request's state as `dsr up` saw it change. Names the request by its id only, never a subject:
 * `package` and `report` say where the answer is once the request is answered.
 */
export interface UpRequestEvent {
  readonly event: 'request';
  readonly requestId: string;
  readonly state: string;
  /** A final state or `dead_lettered`: the runtime no longer follows the request. */
  readonly final: boolean;
  /** The package the pipeline wrote to the payload bucket (`loaded`, `erased`, `erasure_unverified`). */
  readonly package?: string;
  /** The command that writes the report (`loaded`, `erased`). */
  readonly report?: string;
  /** Finished while the runtime was stopped, told at this start. */
  readonly beforeLastStop?: true;
}

/**
 * What `dsr up` tells its user, as values: the command prints each as lines of text, or with
 * `--format json` as one JSON line. None carries an identifier or a row's value.
 */
export type UpEvent =
  | {
      /** Listening: the state, the endpoints and the file to source in another terminal. */
      readonly event: 'started';
      readonly stateDir: string;
      readonly envFile: string;
      readonly dataMapFile: string;
      readonly warehouse: UpWarehouse;
      readonly queues: { readonly high: string; readonly standard: string };
      readonly endpoints: { readonly sqs: string; readonly s3: string };
      readonly ports: UpPorts;
      /** Ports of the last run that were taken, so the env file changed. */
      readonly portsMoved: readonly (keyof UpPorts)[];
      readonly bucket: string;
      /** Where the completion events go (the deployed stack's SNS topic). */
      readonly completionsFile: string;
    }
  | UpRequestEvent
  | {
      /** Polling; unfinished requests of the last run were submitted again. */
      readonly event: 'ready';
      readonly resumed: number;
      readonly envFile: string;
      readonly dataMapFile: string;
      readonly completionsFile: string;
    }
  | {
      /** The deadline check published a terminal request's completion event that was never published. */
      readonly event: 'completion_published_late';
      readonly requestId: string;
    }
  | {
      /** Stopped by a signal; the unfinished requests are submitted again on the next start. */
      readonly event: 'stopped';
      readonly signal: 'SIGINT' | 'SIGTERM';
      readonly unfinished: number;
      readonly stateDir: string;
    };
