import { ConfigError } from '../../shared/errors/errors';

/** A setting this stage cannot run without. */
export function required<T>(value: T | undefined, variable: string, why: string): T {
  if (value === undefined) throw new ConfigError(variable, `is not set: ${why}`);
  return value;
}
