/**
 * The external systems dsr-bridge calls. Every error that leaves one of their adapters is a
 * {@link DsrError} naming the dependency, so only that dependency's own faults count towards its
 * circuit breaker.
 */
export const DEPENDENCIES = [
  'postgres',
  'snowflake',
  'sqs',
  's3',
  'sns',
  'secretsmanager',
  'pagerduty',
] as const;
export type Dependency = (typeof DEPENDENCIES)[number];
