import type { Dependency } from '../../shared/errors/Dependency';
import { type DsrError, isDsrError } from '../../shared/errors/DsrError';
import { DependencyError } from '../../shared/errors/errors';

/** Error names AWS services use for throttling, whatever the HTTP status. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'KMSThrottlingException',
]);
/** Node network errors: the service never answered. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * The one place where an AWS SDK v3 error is classified, for every AWS adapter: the dependency is
 * named, and the error is retryable when the SDK says so (`$retryable`), on throttling, on a 5xx or
 * server fault, on 429, or when the service never answered (a network error, a timeout); anything
 * else (access denied, a missing queue, a malformed call) is permanent. Only the service's error
 * name is kept, never its message (which may quote a key or an ARN with an id).
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/handling-exceptions.html
 */
export function classifyAwsError(dependency: Dependency, operation: string, error: unknown): DsrError {
  if (isDsrError(error)) return error;
  const wrapper = (error as { name?: unknown } | null)?.name;
  // Powertools' parameter providers wrap the SDK's error; a missing or untransformable secret is
  // permanent, anything else is classified by what the SDK threw.
  if (wrapper === 'ParameterNotFoundError' || wrapper === 'TransformParameterError')
    return new DependencyError(dependency, operation, false, wrapper, { cause: error });
  if (wrapper === 'GetParameterError' && (error as { cause?: unknown }).cause !== undefined) {
    const inner = classifyAwsError(dependency, operation, (error as { cause?: unknown }).cause);
    return inner instanceof DependencyError
      ? new DependencyError(dependency, operation, inner.retryable, inner.serviceCode, { cause: error })
      : inner;
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const retryable =
    e.$retryable !== undefined ||
    (name !== undefined && THROTTLING.has(name)) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    e.$fault === 'server' ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    // No answer and no classification from the SDK: a transport fault.
    (status === undefined && e.$fault === undefined);
  return new DependencyError(dependency, operation, retryable, name ?? code, { cause: error });
}

/** Runs one SDK call and classifies what it throws. */
export async function awsCall<T>(
  dependency: Dependency,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(dependency, operation, error);
  }
}
