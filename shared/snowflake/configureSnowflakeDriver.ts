import snowflake from 'snowflake-sdk';

export interface SnowflakeDriverSettings {
  /**
   * Whether a connection proceeds when a certificate's revocation status cannot be determined.
   * Process-global in the driver. Fail-closed unless a test asks otherwise explicitly.
   * https://docs.snowflake.com/en/user-guide/ocsp
   * @default false
   */
  readonly ocspFailOpen?: boolean;
  /** @default 'ERROR' */
  readonly logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'OFF';
}

let configured: Required<SnowflakeDriverSettings> | undefined;

/**
 * Applies the driver's process-global settings: OCSP fail-closed by default, and the driver's log
 * (already filtered by level and masked of secrets) to stderr instead of `./snowflake.log`. Called by {@link SnowflakeDatabase} before its first login if nobody has.
 */
export function configureSnowflakeDriver(settings: SnowflakeDriverSettings = {}): void {
  const next = {
    ocspFailOpen: settings.ocspFailOpen ?? false,
    logLevel: settings.logLevel ?? 'ERROR',
  } as const;
  snowflake.configure({
    ocspFailOpen: next.ocspFailOpen,
    logLevel: next.logLevel,
    // Without a custom logger the driver writes ./snowflake.log, which a Lambda cannot.
    customLogger: { error: toStderr, warn: toStderr, info: toStderr, debug: toStderr, trace: toStderr },
  });
  configured = next;
}

/** Configures the driver with the defaults unless it was configured already. */
export function ensureSnowflakeDriverConfigured(): void {
  if (!configured) configureSnowflakeDriver();
}

function toStderr(message: string): void {
  process.stderr.write(`snowflake-sdk: ${message}\n`);
}
