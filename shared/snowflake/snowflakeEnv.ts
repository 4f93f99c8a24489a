import { z } from 'zod';
import { readConfig } from '../config/readConfig';
import { ConfigError } from '../errors/errors';

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const identifier = z.string().regex(IDENT, 'must be a plain identifier (letters, digits, _ or $)');
const ms = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * Snowflake settings shared by the CLI, the local runtime and the functions. Authentication is a
 * key pair (`SNOWFLAKE_PRIVATE_KEY_PATH`, or `SNOWFLAKE_PRIVATE_KEY_SECRET_ID` in AWS); a password
 * is accepted only for a local endpoint (see {@link snowflakeConnectionSettings}).
 */
export const snowflakeEnv = z.object({
  SNOWFLAKE_ACCOUNT: z
    .string({ error: 'is not set (the account identifier, e.g. myorg-myaccount)' })
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be an account identifier such as myorg-myaccount'),
  SNOWFLAKE_USER: z.string({ error: 'is not set' }).min(1, 'is empty'),
  SNOWFLAKE_PRIVATE_KEY_PATH: optional(z.string().min(1)),
  SNOWFLAKE_PRIVATE_KEY_SECRET_ID: optional(z.string().min(1)),
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: optional(z.string().min(1)),
  SNOWFLAKE_PASSWORD: optional(z.string().min(1)),
  SNOWFLAKE_WAREHOUSE: optional(identifier),
  SNOWFLAKE_DATABASE: optional(identifier),
  SNOWFLAKE_SCHEMA: optional(identifier),
  SNOWFLAKE_ROLE: optional(identifier),
  SNOWFLAKE_ACCESS_URL: optional(
    z.url({
      protocol: /^https?$/,
      error: 'must be an http(s) URL such as https://myorg-myaccount.snowflakecomputing.com',
    }),
  ),
  SNOWFLAKE_PROXY_HOST: optional(z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a host name')),
  SNOWFLAKE_PROXY_PORT: optional(z.coerce.number().int().min(1).max(65535)),
  /** Overall deadline of one statement, retries included; keep it well under the Lambda timeout. */
  SNOWFLAKE_STATEMENT_TIMEOUT_MS: ms(60_000, 600_000),
  /** Overall deadline of a login, retries included. */
  SNOWFLAKE_LOGIN_TIMEOUT_MS: ms(30_000, 600_000),
  /** Deadline of one HTTP attempt (the driver's `timeout`). */
  SNOWFLAKE_NETWORK_TIMEOUT_MS: ms(30_000, 600_000),
  SNOWFLAKE_LOG_LEVEL: z.enum(['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'OFF']).default('ERROR'),
  /** Where the evidence set lands (`DSR_FINDINGS`, `DSR_LEDGER`); defaults to the session's database and schema. */
  SNOWFLAKE_LOAD_DATABASE: optional(identifier),
  SNOWFLAKE_LOAD_SCHEMA: optional(identifier),
  /** Rows per MERGE of findings. */
  SNOWFLAKE_LOAD_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
});
export type SnowflakeEnv = z.output<typeof snowflakeEnv>;

/** How the process authenticates. */
export type SnowflakeAuth =
  | { readonly kind: 'key-pair-file'; readonly path: string; readonly passphrase: string | undefined }
  | { readonly kind: 'key-pair-secret'; readonly secretId: string; readonly passphrase: string | undefined }
  | { readonly kind: 'password'; readonly password: string };

/** Validated connection settings: what to connect to and how to authenticate. */
export interface SnowflakeConnectionSettings {
  readonly account: string;
  readonly user: string;
  readonly auth: SnowflakeAuth;
  readonly accessUrl: string | undefined;
  readonly warehouse: string | undefined;
  readonly database: string | undefined;
  readonly schema: string | undefined;
  readonly role: string | undefined;
  readonly proxy: { readonly host: string; readonly port: number } | undefined;
  readonly statementTimeoutMs: number;
  readonly loginTimeoutMs: number;
  readonly networkTimeoutMs: number;
}

/** Reads and validates the Snowflake settings; throws {@link ConfigError} naming the variable. */
export function readSnowflakeEnv(env: NodeJS.ProcessEnv = process.env): SnowflakeEnv {
  return readConfig(snowflakeEnv, env);
}

/**
 * Checks the combinations a schema cannot: exactly one way to authenticate, a proxy host with its
 * port, and a password only towards a loopback endpoint (a password must never travel to a real
 * account: production uses key-pair authentication).
 */
export function snowflakeConnectionSettings(env: SnowflakeEnv): SnowflakeConnectionSettings {
  const ways = [
    env.SNOWFLAKE_PRIVATE_KEY_PATH && 'SNOWFLAKE_PRIVATE_KEY_PATH',
    env.SNOWFLAKE_PRIVATE_KEY_SECRET_ID && 'SNOWFLAKE_PRIVATE_KEY_SECRET_ID',
    env.SNOWFLAKE_PASSWORD && 'SNOWFLAKE_PASSWORD',
  ].filter((w): w is string => typeof w === 'string');
  if (ways.length === 0)
    throw new ConfigError(
      'SNOWFLAKE_PRIVATE_KEY_PATH',
      'is not set: set it (or SNOWFLAKE_PRIVATE_KEY_SECRET_ID) to the key-pair private key',
    );
  if (ways.length > 1) throw new ConfigError(ways[1] as string, `set only one of ${ways.join(', ')}`);
  if (env.SNOWFLAKE_PASSWORD && !isLoopbackUrl(env.SNOWFLAKE_ACCESS_URL))
    throw new ConfigError(
      'SNOWFLAKE_PASSWORD',
      'password authentication is allowed only with SNOWFLAKE_ACCESS_URL on a loopback address (a local endpoint); use key-pair authentication (SNOWFLAKE_PRIVATE_KEY_PATH)',
    );
  if ((env.SNOWFLAKE_PROXY_HOST === undefined) !== (env.SNOWFLAKE_PROXY_PORT === undefined))
    throw new ConfigError(
      env.SNOWFLAKE_PROXY_HOST === undefined ? 'SNOWFLAKE_PROXY_HOST' : 'SNOWFLAKE_PROXY_PORT',
      'set SNOWFLAKE_PROXY_HOST and SNOWFLAKE_PROXY_PORT together',
    );
  const passphrase = env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE;
  const auth: SnowflakeAuth = env.SNOWFLAKE_PRIVATE_KEY_PATH
    ? { kind: 'key-pair-file', path: env.SNOWFLAKE_PRIVATE_KEY_PATH, passphrase }
    : env.SNOWFLAKE_PRIVATE_KEY_SECRET_ID
      ? { kind: 'key-pair-secret', secretId: env.SNOWFLAKE_PRIVATE_KEY_SECRET_ID, passphrase }
      : { kind: 'password', password: env.SNOWFLAKE_PASSWORD as string };
  return {
    account: env.SNOWFLAKE_ACCOUNT,
    user: env.SNOWFLAKE_USER,
    auth,
    accessUrl: env.SNOWFLAKE_ACCESS_URL,
    warehouse: env.SNOWFLAKE_WAREHOUSE,
    database: env.SNOWFLAKE_DATABASE,
    schema: env.SNOWFLAKE_SCHEMA,
    role: env.SNOWFLAKE_ROLE,
    proxy:
      env.SNOWFLAKE_PROXY_HOST !== undefined && env.SNOWFLAKE_PROXY_PORT !== undefined
        ? { host: env.SNOWFLAKE_PROXY_HOST, port: env.SNOWFLAKE_PROXY_PORT }
        : undefined,
    statementTimeoutMs: env.SNOWFLAKE_STATEMENT_TIMEOUT_MS,
    loginTimeoutMs: env.SNOWFLAKE_LOGIN_TIMEOUT_MS,
    networkTimeoutMs: env.SNOWFLAKE_NETWORK_TIMEOUT_MS,
  };
}

/**
 * Where the evidence lands, from `SNOWFLAKE_LOAD_DATABASE`/`SNOWFLAKE_LOAD_SCHEMA` (else the
 * session's `SNOWFLAKE_DATABASE`/`SNOWFLAKE_SCHEMA`), or undefined when neither is set. The product
 * quotes every identifier it sends, so a name given as `evidence` would, quoted, name a different
 * object (`"evidence"`) than the `EVIDENCE` the user meant and the login resolves. The settings are
 * plain identifiers, so they are read as Snowflake reads an unquoted identifier: upper-cased.
 * https://docs.snowflake.com/en/sql-reference/identifiers-syntax#unquoted-identifiers
 */
export function loadLocationFromEnv(
  env: Pick<
    SnowflakeEnv,
    'SNOWFLAKE_LOAD_DATABASE' | 'SNOWFLAKE_LOAD_SCHEMA' | 'SNOWFLAKE_DATABASE' | 'SNOWFLAKE_SCHEMA'
  >,
): { readonly database: string; readonly schema: string } | undefined {
  const database = env.SNOWFLAKE_LOAD_DATABASE ?? env.SNOWFLAKE_DATABASE;
  const schema = env.SNOWFLAKE_LOAD_SCHEMA ?? env.SNOWFLAKE_SCHEMA;
  return database && schema ? { database: database.toUpperCase(), schema: schema.toUpperCase() } : undefined;
}

/** True for a URL whose host is a loopback address (127.0.0.0/8, ::1) or `localhost`. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}
