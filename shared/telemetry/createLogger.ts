import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogSink } from './LogSink';

export const SERVICE_NAME = 'dsr-bridge';

/** A Powertools Logger whose lines go to an injected sink instead of its own console. */
class SinkLogger extends Logger {
  constructor(
    private readonly sink: LogSink | undefined,
    options: ConstructorParameters<typeof Logger>[0],
  ) {
    super(options);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.sink) {
      super.printLog(logLevel, log);
      return;
    }
    this.sink(JSON.stringify(log.getAttributes()));
  }
}

export interface CreateLoggerOptions {
  /** @default Powertools' console (stdout) */
  readonly sink?: LogSink;
  /** @default POWERTOOLS_LOG_LEVEL or INFO */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * The pipeline's structured logger (service `dsr-bridge`). Callers add only requestId, stage,
 * traceId and subjectHash, never identifier values or rows.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return new SinkLogger(options.sink, {
    serviceName: SERVICE_NAME,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
}
