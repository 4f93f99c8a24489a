import { readConfig } from '../shared/config/readConfig';
import type { DataMap } from '../shared/datamap/dataMapSchema';
import { snowflakeEnv } from '../shared/snowflake/snowflakeEnv';
import { completionEnv } from './common/completionPublisher';
import { recorderConfig, recorderEnv } from './dead-letter-recorder/recorderEnv';
import { deadlineCheckConfig, deadlineCheckEnv } from './deadline-check/deadlineCheckEnv';
import { eraseConfig, eraseEnv } from './erase/eraseEnv';
import { extractConfig, extractEnv } from './extract/extractEnv';
import { gateConfig, gateEnv } from './gate/gateEnv';
import { loadConfig, loadEnv } from './load/loadEnv';
import { redriveEnv } from './redrive/redriveEnv';
import { scanConfig, scanEnv } from './scan/scanEnv';

/** The functions the stack deploys, by the key `DsrBridgeStack.functions` gives them. */
export type FunctionName =
  | 'extractHigh'
  | 'extractStandard'
  | 'gate'
  | 'load'
  | 'erase'
  | 'redrive'
  | 'scan'
  | 'deadLetterRecorder'
  | 'deadlineCheck';

/** How one function reads its configuration at cold start, and every variable it may read. */
export interface FunctionConfig {
  /** Parses the environment as the function does at cold start; throws `ConfigError` naming the variable. */
  readonly parse: (rawEnv: NodeJS.ProcessEnv, readDataMap: (path: string) => DataMap) => unknown;
  /** The variables its schemas know; anything else in its environment is read by nobody. */
  readonly variables: ReadonlySet<string>;
}

/** Variables read by the Lambda runtime and Powertools rather than by our schemas. */
export const RUNTIME_VARIABLES: ReadonlySet<string> = new Set([
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
]);

const keys = (...shapes: object[]) => new Set(shapes.flatMap((s) => Object.keys(s)));
const extract: FunctionConfig = {
  parse: extractConfig,
  variables: keys(extractEnv.shape, snowflakeEnv.shape),
};

/**
 * Each deployed function's configuration contract: the infra tests parse every function's
 * synthesised environment with it, and the local runtime runs the same environments.
 */
export const functionConfigs: Readonly<Record<FunctionName, FunctionConfig>> = {
  extractHigh: extract,
  extractStandard: extract,
  gate: { parse: gateConfig, variables: keys(gateEnv.shape, snowflakeEnv.shape, completionEnv.shape) },
  load: { parse: loadConfig, variables: keys(loadEnv.shape, snowflakeEnv.shape, completionEnv.shape) },
  erase: { parse: eraseConfig, variables: keys(eraseEnv.shape, snowflakeEnv.shape, completionEnv.shape) },
  redrive: { parse: (rawEnv) => readConfig(redriveEnv, rawEnv), variables: keys(redriveEnv.shape) },
  scan: { parse: scanConfig, variables: keys(scanEnv.shape, snowflakeEnv.shape) },
  deadLetterRecorder: {
    parse: recorderConfig,
    variables: keys(recorderEnv.shape, snowflakeEnv.shape, completionEnv.shape),
  },
  deadlineCheck: {
    parse: deadlineCheckConfig,
    variables: keys(deadlineCheckEnv.shape, snowflakeEnv.shape, completionEnv.shape),
  },
};
