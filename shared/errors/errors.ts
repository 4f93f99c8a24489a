import { DsrError } from './DsrError';

/** Bad input from outside: an intake message, a CLI argument, a subject identifier. Permanent. */
export class InvalidInputError extends DsrError {
  readonly retryable = false;
  readonly code = 'INVALID_INPUT';
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
