import { type FailureKind, failureKindOf, isDsrError } from '../errors/DsrError';
import { stackFingerprint } from '../errors/stackFingerprint';

/** What a log line or dead-letter record may say about an error. */
export interface SerializedError {
  readonly errorClass: string;
  readonly code: string;
  readonly retryable: boolean;
  /** How the failure is treated (see `failureKindOf`). */
  readonly kind: FailureKind;
  /** The dependency at fault, when the error names one. */
  readonly dependency?: string;
  /** For internal errors: where it was thrown (see `stackFingerprint`), never the stack itself. */
  readonly fingerprint?: string;
  readonly message: string;
}

/** Shown in place of a scrubbed value. */
export const REDACTED = '[redacted]';

/** What replaces the message of an error that is not a {@link DsrError}. */
export const UNCLASSIFIED_MESSAGE = 'unclassified error: message not recorded';

/** The code every error that is not a classified {@link DsrError} is reported under. */
export const INTERNAL_ERROR = 'INTERNAL_ERROR';

/**
 * Keeps an error's class, code, retry class and message, with every given secret value (the
 * request's identifiers, raw and normalised) replaced by `[redacted]`. Stacks and causes are
 * dropped: a driver's message inside a cause may quote a row. An internal error (a bug, an
 * unclassified throw) is reported as `INTERNAL_ERROR` with its class and a stack fingerprint.
 */
export function serializeError(error: unknown, scrub: Iterable<string> = []): SerializedError {
  const values = [...new Set([...scrub].filter((v) => v.length >= 2))].sort((a, b) => b.length - a.length);
  const text =
    error instanceof Error ? error.message : typeof error === 'string' ? error : 'non-error thrown';
  let message = text;
  for (const value of values) message = replaceAllInsensitive(message, value);
  const kind = failureKindOf(error);
  const internal = kind === 'internal' ? { fingerprint: stackFingerprint(error) } : {};
  if (isDsrError(error)) {
    return {
      errorClass: error.name,
      code: kind === 'internal' ? INTERNAL_ERROR : error.code,
      retryable: error.retryable,
      kind,
      ...(error.dependency ? { dependency: error.dependency } : {}),
      ...internal,
      message,
    };
  }
  return {
    errorClass: error instanceof Error ? error.name : typeof error,
    code: INTERNAL_ERROR,
    retryable: false,
    kind,
    ...internal,
    // Not ours: its message may quote a value (a driver's or the runtime's), so it is not kept.
    message: UNCLASSIFIED_MESSAGE,
  };
}

function replaceAllInsensitive(text: string, value: string): string {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(escaped, 'gi'), REDACTED);
}
