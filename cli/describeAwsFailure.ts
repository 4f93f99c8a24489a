import { DependencyError } from '../shared/errors/errors';
import { CliError, EXIT } from './CliError';

/**
 * An AWS call's failure as the operator needs it on the command line: what was addressed (the
 * queue, the bucket), the service's error code and its message — or, when the service never
 * answered, the network error (`ECONNREFUSED`) or the SDK's (`CredentialsProviderError`: no
 * credentials found). Only for the terminal: logs keep the code alone (`classifyAwsError`).
 * Anything that is not an AWS failure is returned as it is.
 */
export function describeAwsFailure(error: unknown, target: string): unknown {
  if (!(error instanceof DependencyError)) return error;
  const cause = error.cause as
    | { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } }
    | undefined;
  const code =
    (typeof cause?.code === 'string' ? cause.code : undefined) ??
    (error.serviceCode !== 'Error' ? error.serviceCode : undefined) ??
    (typeof cause?.name === 'string' && cause.name !== 'Error' ? cause.name : undefined) ??
    'no answer';
  const status = cause?.$metadata?.httpStatusCode;
  const message =
    typeof cause?.message === 'string' && cause.message !== '' ? `: ${firstLine(cause.message)}` : '';
  return new CliError(
    `${error.dependency} ${error.operation} on ${target} failed: ${code}${typeof status === 'number' ? ` (HTTP ${status})` : ''}${message}`,
    EXIT.failed,
  );
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
