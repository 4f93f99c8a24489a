import type { Logger } from '@aws-lambda-powertools/logger';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { emitCoverageMetric, exactCoveragePercent } from '../../shared/scan/coverageMetric';
import { PostgresScanSource } from '../../shared/scan/PostgresScanSource';
import type { ScanReport } from '../../shared/scan/ScanReport';
import type { ScanSource } from '../../shared/scan/ScanSource';
import { SnowflakeScanSource } from '../../shared/scan/SnowflakeScanSource';
import { scanForPii } from '../../shared/scan/scanForPii';
import { snowflakeDatabasesOf } from '../../shared/scan/snowflakeDatabasesOf';
import { snowflakeExecuteOver } from '../../shared/scan/snowflakeExecuteOver';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import type { SnowflakeEnv } from '../../shared/snowflake/snowflakeEnv';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { createLogger } from '../../shared/telemetry/createLogger';
import { serializeError } from '../../shared/telemetry/serializeError';
import { openSnowflake } from '../common/openSnowflake';
import type { StageRuntime } from '../common/StageRuntime';
import { lazyHandler, pgCredentials, readDataMapFile } from '../common/stageFoundation';
import { type ScanEnv, scanConfig } from './scanEnv';

/** What one scan measured: counts only, as logged and returned. */
export interface ScanSummary {
  /** Exact (unrounded) share of PII-bearing columns the data map reaches, as published. */
  readonly coveragePercent: number;
  readonly piiColumnsReached: number;
  readonly piiColumnsFound: number;
  readonly piiColumnsExcluded: number;
  readonly unmappedPiiColumns: number;
  readonly tablesScanned: number;
  readonly columnsScanned: number;
  readonly tablesNotScanned: number;
}

/** Locations listed in one log line at most; the counts are always whole. */
const MAX_LISTED = 200;

/**
 * The scheduled coverage scan (EventBridge Scheduler, weekly by default): samples every table of
 * PostgreSQL and, when Snowflake settings are present, of Snowflake, classifies each column, and
 * publishes how many PII-bearing columns the bundled data map reaches as the `DataMapCoverage`
 * metric, which the stack alarms on. Connections are opened for the scan and closed after it.
 * Logs and the metric carry table and column names and counts, never a sampled value.
 */
export function createScanHandler(
  rawEnv: NodeJS.ProcessEnv,
  runtime: StageRuntime = {},
): (event: unknown) => Promise<ScanSummary> {
  return lazyHandler(async () => {
    const { env, dataMap, snowflake } = scanConfig(rawEnv, readDataMapFile);
    const pg = env;
    const logger = createLogger({ ...(runtime.logSink ? { sink: runtime.logSink } : {}) });
    const postgres = openPgDatabase(pg, pgCredentials(env, runtime), (error) =>
      logger.warn('idle PostgreSQL connection failed', { error: serializeError(error) }),
    );
    const scan: CoverageScan = {
      env,
      tableConcurrency: pg.DSR_TABLE_CONCURRENCY,
      dataMap,
      logger,
      postgres,
      // The scan reaches Snowflake only where the stack (or the local runtime) configured it.
      openSnowflake: snowflake
        ? () => ({ env: snowflake.env, db: openSnowflake(snowflake, runtime), location: snowflake.location })
        : undefined,
      runtime,
    };
    return async (_event: unknown) => runScan(scan);
  });
}

interface CoverageScan {
  readonly env: ScanEnv;
  readonly tableConcurrency: number;
  readonly dataMap: DataMap;
  readonly logger: Logger;
  readonly postgres: PgDatabase;
  readonly openSnowflake:
    | (() => { env: SnowflakeEnv; db: SnowflakeDatabase; location: LoadLocation })
    | undefined;
  readonly runtime: StageRuntime;
}

async function runScan(scan: CoverageScan): Promise<ScanSummary> {
  const { env, dataMap, logger, postgres, runtime } = scan;
  const sources: ScanSource[] = [new PostgresScanSource(postgres, { schemas: env.DSR_SCAN_SCHEMAS })];
  let snowflake: SnowflakeDatabase | undefined;
  try {
    if (scan.openSnowflake) {
      const setup = scan.openSnowflake();
      snowflake = setup.db;
      const databases =
        env.DSR_SCAN_SNOWFLAKE_DATABASES.length > 0
          ? env.DSR_SCAN_SNOWFLAKE_DATABASES
          : snowflakeDatabasesOf(dataMap, setup.env.SNOWFLAKE_DATABASE ?? setup.location.database);
      // The evidence tables hold copies of subjects' data by design; they are the product's output,
      // not a system the data map describes, and would otherwise count as unreached PII.
      const evidence = new Set(
        ['DSR_FINDINGS', 'DSR_LEDGER'].map((t) =>
          [setup.location.database, setup.location.schema, t].join('.'),
        ),
      );
      sources.push(
        withoutTables(
          new SnowflakeScanSource({ execute: snowflakeExecuteOver(setup.db), databases }),
          evidence,
        ),
      );
    } else {
      logger.info('Snowflake is not configured: the scan covers PostgreSQL only');
    }
    const report = await scanForPii(sources, dataMap, {
      sampleRows: env.DSR_SCAN_SAMPLE_ROWS,
      threshold: env.DSR_SCAN_THRESHOLD,
      concurrency: scan.tableConcurrency,
      ...(runtime.now ? { now: runtime.now() } : {}),
    });
    emitCoverageMetric(report, { ...(runtime.metricSink ? { sink: runtime.metricSink } : {}) });
    return logReport(logger, report);
  } finally {
    await postgres.end();
    await snowflake?.close();
  }
}

/** A source whose catalog leaves out the named tables (`DATABASE.SCHEMA.TABLE`, as the catalog spells them). */
function withoutTables(source: ScanSource, skip: ReadonlySet<string>): ScanSource {
  return {
    catalog: {
      system: source.catalog.system,
      listTables: async () => (await source.catalog.listTables()).filter((t) => !skip.has(t.table)),
    },
    sampler: source.sampler,
  };
}

/**
 * Logs the outcome: one line of counts, then the unreached columns and the tables that could not
 * be sampled, by name. JSON paths are left out: a path is made of the sampled documents' keys,
 * which can themselves be personal data (an object keyed by e-mail address).
 */
function logReport(logger: Logger, report: ScanReport): ScanSummary {
  const { coverage } = report;
  const summary: ScanSummary = {
    coveragePercent: exactCoveragePercent(coverage),
    piiColumnsReached: coverage.reached,
    piiColumnsFound: coverage.found,
    piiColumnsExcluded: coverage.excluded,
    unmappedPiiColumns: coverage.found - coverage.reached,
    tablesScanned: report.tablesScanned,
    columnsScanned: report.columnsScanned,
    tablesNotScanned: report.notScanned.length,
  };
  logger.info('data map coverage measured', { ...summary, systems: report.systems });

  const columns = new Map<
    string,
    { system: string; table: string; column: string; detectors: Set<string> }
  >();
  for (const f of report.unreached) {
    const key = `${f.system}\u0000${f.table}\u0000${f.column}`;
    const entry = columns.get(key) ?? {
      system: f.system,
      table: f.table,
      column: f.column,
      detectors: new Set(),
    };
    entry.detectors.add(f.detector);
    columns.set(key, entry);
  }
  if (columns.size > 0) {
    const listed = [...columns.values()].slice(0, MAX_LISTED);
    logger.warn('PII-bearing columns the data map does not reach', {
      unmappedPiiColumns: columns.size,
      columns: listed.map((c) => ({ ...c, detectors: [...c.detectors].sort() })),
      ...(columns.size > listed.length ? { notListed: columns.size - listed.length } : {}),
    });
  }
  if (report.notScanned.length > 0) {
    const listed = report.notScanned.slice(0, MAX_LISTED);
    // The reason is the database's message, first line: it names objects, never bind values.
    logger.warn('tables could not be sampled, so the coverage is incomplete', {
      tablesNotScanned: report.notScanned.length,
      tables: listed,
      ...(report.notScanned.length > listed.length
        ? { notListed: report.notScanned.length - listed.length }
        : {}),
    });
  }
  return summary;
}
