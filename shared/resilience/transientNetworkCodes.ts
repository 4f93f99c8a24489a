/**
 * Node's socket and resolver error codes after which a call to any dependency may pass when tried
 * again: the connection was reset, refused, timed out or aborted, or a name did not resolve yet
 * (`EAI_AGAIN` is the resolver's own "try again"). The one list both database classifiers use.
 */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Whether `code` is a Node network error code that a later attempt may not meet again. */
export function isTransientNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code);
}
