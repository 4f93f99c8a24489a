import { readFile } from 'node:fs/promises';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { openSnowflake } from '../../functions/common/openSnowflake';
import type { StageRuntime } from '../../functions/common/StageRuntime';
import type { SnowflakeSettings } from '../../functions/common/snowflakeSettings';
import { pgCredentials, readDataMapFile } from '../../functions/common/stageFoundation';
import { type FunctionName, functionConfigs } from '../../functions/functionConfigs';
import type { PostgresEnv } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import {
  type DoctorCheck,
  type DoctorRow,
  fail,
  firstLine,
  runDoctor,
} from '../../shared/doctor/DoctorCheck';
import { bucketReachable, queueReachable } from '../../shared/doctor/deliveryChecks';
import { formatDoctorReport } from '../../shared/doctor/formatDoctorReport';
import { dataMapMatchesPostgres, postgresReachable } from '../../shared/doctor/postgresChecks';
import { snowflakeLoadLocation, snowflakeLogin, snowflakeReads } from '../../shared/doctor/snowflakeChecks';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { snowflakeTablesOf } from '../../shared/snowflake/checkSnowflakeCatalog';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { CliError, EXIT } from '../CliError';

/** Each function's environment, as `aws lambda get-function-configuration` reports it. */
export type FunctionEnvironments = Partial<Record<FunctionName, Record<string, string>>>;

/** What a function's configuration parses to, as far as the doctor reads it. */
interface ParsedConfig {
  readonly env: Partial<PostgresEnv> & {
    readonly PG_DSN_FILE?: string;
    readonly PG_DSN?: string;
    readonly PG_SECRET_ARN?: string;
    readonly DSR_SEARCH_MIRRORS?: boolean;
  };
  readonly dataMap?: DataMap;
  readonly snowflake?: SnowflakeSettings;
  /** The erase function's session as the Snowflake erasure user, when the map erases Snowflake rows. */
  readonly snowflakeErasure?: SnowflakeSettings;
  /** The erase function's session as the read-only user, when it searches Snowflake but erases none of it. */
  readonly snowflakeReader?: SnowflakeSettings;
  readonly location?: LoadLocation;
}

/** Where a Snowflake session's user and key are given. */
type SessionPrefix = 'SNOWFLAKE_' | 'SNOWFLAKE_ERASURE_' | 'SNOWFLAKE_READER_';

export interface DoctorOptions {
  /** Replaces `DSR_DATAMAP_PATH` (the bundled `datamap.yaml`) with the data map deployed. */
  readonly dataMapFile?: string;
  readonly runtime?: StageRuntime;
  /** SQS and S3 clients; by default built from the environments' region and endpoints. */
  readonly sqs?: SQSClient;
  readonly s3?: S3Client;
}

const CREDENTIAL_VARIABLES = ['PG_SECRET_ARN', 'PG_DSN_FILE', 'PG_DSN'] as const;
/** The erase function's writing role, and the reading variable each stands for. */
const ERASURE_CREDENTIAL_VARIABLES = [
  ['DSR_ERASURE_PG_SECRET_ARN', 'PG_SECRET_ARN'],
  ['DSR_ERASURE_PG_DSN', 'PG_DSN'],
] as const;
const QUEUE_VARIABLES = [
  'NEXT_QUEUE_URL',
  'HIGH_QUEUE_URL',
  'ERASE_QUEUE_URL',
  'CONTINUE_QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
] as const;

/**
 * The checks of a deploy rehearsal over the functions' environments: each configuration parsed
 * with its function's schema, then each dependency once, reached the way the functions reach it
 * (the same credential sources, pool, driver settings, proxy and clients), naming the functions
 * that depend on it. `close()` ends the connections the checks opened.
 */
export function doctorChecks(
  environments: FunctionEnvironments,
  options: DoctorOptions = {},
): { checks: DoctorCheck[]; close(): Promise<void> } {
  const runtime = options.runtime ?? {};
  const checks: DoctorCheck[] = [];
  const postgres = new Map<
    string,
    { names: string[]; db: PgDatabase; variable: string; dataMap?: DataMap; file: string; role?: string }
  >();
  const snowflake = new Map<
    string,
    {
      names: string[];
      db: SnowflakeDatabase;
      settings: SnowflakeSettings;
      reads: Set<string>;
      locations: Map<string, LoadLocation>;
      /**
       * Where the session's user and key are: `SNOWFLAKE_*`, or the erase function's second session
       * in `SNOWFLAKE_ERASURE_*` (the erasure user) or `SNOWFLAKE_READER_*` (the read-only user).
       */
      prefix: SessionPrefix;
    }
  >();
  const queues = new Map<string, { names: string[]; variable: string }>();
  const buckets = new Map<string, string[]>();
  const add = <V>(map: Map<string, V>, key: string, make: () => V, name: string) => {
    const entry = map.get(key) ?? make();
    map.set(key, entry);
    (entry as { names: string[] }).names.push(name);
    return entry;
  };

  for (const [name, raw] of Object.entries(environments) as [FunctionName, Record<string, string>][]) {
    const env = options.dataMapFile ? { ...raw, DSR_DATAMAP_PATH: options.dataMapFile } : raw;
    let config: ParsedConfig;
    try {
      config = functionConfigs[name].parse(env, readDataMapFile) as ParsedConfig;
    } catch (error) {
      const problem = firstLine(error);
      checks.push({
        functions: name,
        name: 'configuration parses with its schema',
        run: async () =>
          fail(
            problem,
            'give the stack the context this names and redeploy (the function cannot start until then)',
          ),
      });
      continue;
    }
    checks.push({
      functions: name,
      name: 'configuration parses with its schema',
      run: async () => ({ status: 'pass', detail: `${Object.keys(raw).length} variables` }),
    });
    const variable = CREDENTIAL_VARIABLES.find((v) => env[v]);
    if (variable) {
      const key = `${variable}=${env[variable]}`;
      const entry = add(
        postgres,
        key,
        () => ({
          names: [],
          db: openPgDatabase(config.env as PostgresEnv, pgCredentials(config.env, runtime)),
          variable,
          file: String(env.DSR_DATAMAP_PATH),
          ...(config.dataMap ? { dataMap: config.dataMap } : {}),
        }),
        name,
      );
      entry.dataMap ??= config.dataMap;
    }
    // The erasure role: its login only (it may not read the whole catalog, and needs not).
    for (const [variable, as] of ERASURE_CREDENTIAL_VARIABLES) {
      const value = env[variable];
      if (!value) continue;
      add(
        postgres,
        `${variable}=${value}`,
        () => ({
          names: [],
          db: openPgDatabase(config.env as PostgresEnv, pgCredentials({ [as]: value }, runtime)),
          variable,
          file: String(env.DSR_DATAMAP_PATH),
          role: 'the erasure role',
        }),
        name,
      );
    }
    for (const [settings, prefix] of [
      [config.snowflake, 'SNOWFLAKE_'],
      [config.snowflakeErasure, 'SNOWFLAKE_ERASURE_'],
      [config.snowflakeReader, 'SNOWFLAKE_READER_'],
    ] as const) {
      if (!settings) continue;
      const c = settings.connection;
      const key = [c.account, c.user, c.role, c.accessUrl, c.proxy?.host, c.proxy?.port].join('|');
      const entry = add(
        snowflake,
        key,
        () => ({
          names: [],
          db: openSnowflake(settings, runtime),
          settings,
          reads: new Set<string>(),
          locations: new Map(),
          prefix,
        }),
        name,
      );
      const map = config.dataMap;
      // The erasure user reads each table it deletes from or masks (the re-check before the change).
      if (map && prefix === 'SNOWFLAKE_ERASURE_')
        for (const t of map.snowflake)
          if (t.erasure?.action === 'delete' || t.erasure?.action === 'mask') entry.reads.add(t.table);
      // The extractors, and the erase function's read-only session, search every mapped table.
      if (map && (name.startsWith('extract') || prefix === 'SNOWFLAKE_READER_')) {
        for (const t of map.snowflake) entry.reads.add(t.table);
        if (config.env.DSR_SEARCH_MIRRORS === true)
          for (const t of snowflakeTablesOf(map)) entry.reads.add(t);
      }
      // The gate reads each mirror's catalog, which shows only what the role may read.
      if (map && name === 'gate') for (const t of map.postgres) if (t.mirror) entry.reads.add(t.mirror);
      if (config.location && prefix === 'SNOWFLAKE_' && (name === 'gate' || name === 'load'))
        entry.locations.set(`${config.location.database}.${config.location.schema}`, config.location);
    }
    for (const v of QUEUE_VARIABLES) {
      const url = env[v];
      if (url) add(queues, url, () => ({ names: [], variable: v }), name);
    }
    if (env.PAYLOAD_BUCKET) {
      const names = buckets.get(env.PAYLOAD_BUCKET) ?? [];
      buckets.set(env.PAYLOAD_BUCKET, [...names, name]);
    }
  }

  const list = (names: readonly string[]) => [...new Set(names)].join(', ');
  for (const { names, db, variable, dataMap, file, role } of postgres.values()) {
    checks.push(postgresReachable(db, list(names), variable, role));
    if (dataMap) checks.push(dataMapMatchesPostgres(db, dataMap, file, list(names)));
  }
  for (const { names, db, settings, reads, locations, prefix } of snowflake.values()) {
    const c = settings.connection;
    const variable = (v: string) => v.replace('SNOWFLAKE_', prefix);
    const who = {
      account: c.account,
      user: c.user,
      role: c.role,
      proxy: c.proxy ? `${c.proxy.host}:${c.proxy.port}` : undefined,
      keyVariable: variable(
        settings.env.SNOWFLAKE_PRIVATE_KEY_SECRET_ID
          ? 'SNOWFLAKE_PRIVATE_KEY_SECRET_ID'
          : settings.env.SNOWFLAKE_PRIVATE_KEY_PATH
            ? 'SNOWFLAKE_PRIVATE_KEY_PATH'
            : 'SNOWFLAKE_PASSWORD',
      ),
    };
    checks.push(snowflakeLogin(db, who, list(names)));
    if (reads.size > 0)
      checks.push(
        snowflakeReads(db, [...reads].sort(), c.role, list(names), 'mapped table(s) and mirror(s)'),
      );
    for (const at of locations.values()) checks.push(snowflakeLoadLocation(db, at, c.role, list(names)));
  }
  const endpoints = Object.values(environments).find((e) => e?.AWS_REGION) ?? {};
  const clients =
    options.sqs && options.s3
      ? { sqs: options.sqs, s3: options.s3 }
      : createAwsClients({
          ...(endpoints.AWS_REGION ? { region: endpoints.AWS_REGION } : {}),
          ...(endpoints.DSR_SQS_ENDPOINT ? { sqsEndpoint: endpoints.DSR_SQS_ENDPOINT } : {}),
          ...(endpoints.DSR_S3_ENDPOINT ? { s3Endpoint: endpoints.DSR_S3_ENDPOINT } : {}),
        });
  const sqs = options.sqs ?? clients.sqs;
  const s3 = options.s3 ?? clients.s3;
  for (const [url, { names, variable }] of queues)
    checks.push(
      queueReachable(
        async (q) => {
          await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q, AttributeNames: ['QueueArn'] }));
        },
        url,
        variable,
        list(names),
      ),
    );
  for (const [bucket, names] of buckets)
    checks.push(
      bucketReachable(
        async (b) => {
          await s3.send(new HeadBucketCommand({ Bucket: b }));
        },
        bucket,
        list(names),
      ),
    );
  return {
    checks,
    close: async () => {
      await Promise.allSettled([
        ...[...postgres.values()].map((p) => p.db.end()),
        ...[...snowflake.values()].map((s) => s.db.close()),
      ]);
    },
  };
}

/** Runs the checks and closes what they opened. */
export async function runDoctorChecks(
  environments: FunctionEnvironments,
  options: DoctorOptions & { readonly timeoutMs?: number } = {},
): Promise<DoctorRow[]> {
  const { checks, close } = doctorChecks(environments, options);
  try {
    return await runDoctor(checks, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  } finally {
    await close();
  }
}

interface DoctorCliOptions {
  environments: string;
  datamap?: string;
  format: 'table' | 'json';
  timeoutMs: number;
}

/** `dsr doctor --environments FILE [--datamap FILE] [--format table|json]` */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'rehearse a deploy: parse each function’s environment with its schema and check every dependency the way the functions use it; exit 1 when a check fails',
    )
    .requiredOption(
      '--environments <file>',
      'JSON object of function name (extractHigh, extractStandard, gate, load, redrive, scan) to its environment variables',
    )
    .option('--datamap <file>', 'the data map the stack bundled (replaces DSR_DATAMAP_PATH)')
    .option(
      '--format <format>',
      'table or json',
      (v) => {
        if (v !== 'table' && v !== 'json')
          throw new CliError(`--format must be table or json (given ${v})`, EXIT.usage);
        return v;
      },
      'table',
    )
    .option('--timeout-ms <ms>', 'bound on each check', (v) => Number(v), 60_000)
    .addHelpText(
      'after',
      '\nMake the file after `cdk deploy`, one function at a time:\n' +
        '  aws lambda get-function-configuration --function-name <name> --query Environment.Variables\n' +
        'Secrets are read from Secrets Manager with the credentials of this shell, as the functions read them.',
    )
    .action(async (options: DoctorCliOptions) => {
      const text = await readFile(options.environments, 'utf8').catch(() => {
        throw new CliError(`cannot read ${options.environments}`, EXIT.usage);
      });
      let environments: FunctionEnvironments;
      try {
        environments = parseEnvironments(JSON.parse(text));
      } catch (error) {
        throw new CliError(`${options.environments}: ${firstLine(error)}`, EXIT.usage);
      }
      const rows = await runDoctorChecks(environments, {
        ...(options.datamap ? { dataMapFile: options.datamap } : {}),
        timeoutMs: options.timeoutMs,
      });
      process.stdout.write(
        options.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : formatDoctorReport(rows),
      );
      if (rows.some((r) => r.status === 'fail'))
        throw new CliError('some checks failed (see the table)', EXIT.failed);
    });
}

/** Checks the file's shape: known function names, string values only. */
export function parseEnvironments(value: unknown): FunctionEnvironments {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('must be a JSON object of function name to environment');
  const known = new Set(Object.keys(functionConfigs));
  for (const [name, env] of Object.entries(value)) {
    if (!known.has(name))
      throw new Error(`unknown function ${name} (expected one of ${[...known].join(', ')})`);
    if (typeof env !== 'object' || env === null || Object.values(env).some((v) => typeof v !== 'string'))
      throw new Error(`${name} must map variable names to strings`);
  }
  return value as FunctionEnvironments;
}
