import type { Dependency } from './Dependency';
import { DsrError } from './DsrError';

/** Bad input from outside: an intake message, a CLI argument, a subject identifier. Permanent. */
export class InvalidInputError extends DsrError {
  readonly retryable = false;
  readonly code = 'INVALID_INPUT';
}

/**
 * An output path names something other than a regular file (a device, a FIFO, a directory, or a
 * link to one): it is refused and left as it is. Permanent; the command line's usage error.
 */
export class OutputPathError extends DsrError {
  readonly retryable = false;
  readonly code = 'OUTPUT_PATH_REFUSED';
}

/** A configuration variable is missing or malformed. Permanent: it fails the cold start. */
export class ConfigError extends DsrError {
  readonly retryable = false;
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** One problem found in a data map, located by file and path. */
export interface DataMapProblem {
  /** Path inside the document, e.g. `postgres[2].follow.user_id`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the file, where known. */
  readonly line?: number;
}

/** The data map is invalid, or does not match the live catalog. Permanent. */
export class DataMapError extends DsrError {
  readonly retryable = false;
  readonly code = 'DATAMAP_INVALID';
  constructor(
    readonly file: string,
    readonly problems: readonly DataMapProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems
        .map((p) => `  ${p.path || '(document)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`)
        .join('\n')}`,
    );
  }
}

/**
 * A bug or a value the code cannot handle (a NULL where a key must be, a type no canonical form
 * exists for). Never a dependency's fault: it opens no circuit; the record is retried a bounded
 * number of times and dead-lettered as `INTERNAL_ERROR` with a stack fingerprint. Subclasses name
 * what was wrong; their messages name tables and columns, never values.
 */
export class InternalError extends DsrError {
  readonly retryable = false;
  readonly code = 'INTERNAL_ERROR';
  override readonly internal = true;
}

/** Data that breaks an assumption the code relies on (e.g. a NULL primary-key value). */
export class UnexpectedDataError extends InternalError {}

/** A call made with arguments outside the range the code supports (a programming error). */
export class InvalidArgumentError extends InternalError {}

/**
 * A failed call to an AWS service or another HTTP dependency, classified where it arose (see
 * `adapters/aws/classifyAwsError.ts`). Retryable on throttling, 5xx and network faults.
 */
export class DependencyError extends DsrError {
  readonly code: string;
  constructor(
    override readonly dependency: Dependency,
    /** The operation that failed, e.g. `SendMessage`. */
    readonly operation: string,
    readonly retryable: boolean,
    /** The service's error name (e.g. `AccessDenied`), when it sent one. */
    readonly serviceCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${dependency} ${operation} failed${serviceCode ? ` (${serviceCode})` : ''}${retryable ? '' : ', not retryable'}`,
      options,
    );
    this.code = `${dependency.toUpperCase()}_${retryable ? 'UNAVAILABLE' : 'REFUSED'}`;
  }
}
