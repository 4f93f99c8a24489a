import { isDsrError } from '../errors/DsrError';

/** What a log line or dead-letter record may say about an error. */
export interface SerializedError {
  readonly errorClass: string;
  readonly code: string;
  readonly retryable: boolean;
  readonly message: string;
}

/** Shown in place of a scrubbed value. */
export const REDACTED = '[redacted]';

/**
 * Keeps an error's class, code, retry class and message, with every given secret value (the
 * request's identifiers, raw and normalised) replaced by `[redacted]`. Stacks and causes are
 * dropped: a driver's message inside a cause may quote a row.
 */
export function serializeError(error: unknown, scrub: Iterable<string> = []): SerializedError {
  const values = [...new Set([...scrub].filter((v) => v.length >= 2))].sort((a, b) => b.length - a.length);
  const text =
    error instanceof Error ? error.message : typeof error === 'string' ? error : 'non-error thrown';
  let message = text;
  for (const value of values) message = replaceAllInsensitive(message, value);
  if (isDsrError(error)) {
    return { errorClass: error.name, code: error.code, retryable: error.retryable, message };
  }
  return {
    errorClass: error instanceof Error ? error.name : typeof error,
    code: 'UNEXPECTED',
    retryable: true,
    message,
  };
}

function replaceAllInsensitive(text: string, value: string): string {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(escaped, 'gi'), REDACTED);
}
