import { once } from 'node:events';
import type { Command } from 'commander';
import { z } from 'zod';
import { postgresEnv, readConfig, subjectHashKeyEnv } from '../../shared/config/readConfig';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import type { System } from '../../shared/datamap/System';
import { discoverSubjectStream, normalizeSubject } from '../../shared/discovery/discoverSubject';
import type { FindingsSummary } from '../../shared/discovery/FindingsStream';
import {
  describeNotFollowed,
  describeUnparsedPhones,
  type NotFollowed,
  type UnparsedPhones,
} from '../../shared/discovery/NotFollowed';
import type { SearchableTable, TableSearcher } from '../../shared/discovery/SearchableTable';
import { serializeSpilledFindings } from '../../shared/discovery/serializeSpilledFindings';
import { refuseNonRegular, writePrivateFile } from '../../shared/files/writePrivateFile';
import { subjectHash } from '../../shared/identity/subjectHash';
import { COMMAND_CONNECT_ATTEMPTS, connectionLimitRetry } from '../../shared/postgres/connectionLimitRetry';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';
import { ProgressLine, progressMode } from '../ProgressLine';
import { checkRequestId, checkSubjectKinds, collectSubject, pgDsnFromEnv } from '../parseSubjects';
import { refuseSubjectThatFitsNoColumn } from '../refuseSubjectThatFitsNoColumn';

/** Bytes of met rows held in memory before a sorted run is written to disk. */
const spillEnv = z.object({
  DSR_SPILL_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(1024 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

interface DiscoverOptions {
  datamap: string;
  subject: Record<string, string[]>;
  requestId?: string;
  out?: string;
  mirrors?: boolean;
  quiet?: boolean;
  progress?: boolean;
  format: OutputFormat;
}

/**
 * `dsr discover --datamap FILE --subject kind=value … [--request-id ID] [--out FILE] [--mirrors]
 * [--format text|json]`. The findings document goes to stdout or `--out`; the summary to stderr, or,
 * with `--format json` (which needs `--out FILE`), as a JSON document on stdout.
 */
export function registerDiscover(program: Command): void {
  const command = program
    .command('discover')
    .description('find every row about one subject and print the canonical findings JSON')
    .requiredOption('--datamap <file>', 'data map YAML')
    .requiredOption('--subject <kind=value>', 'an identifier of the subject; repeat for more', collectSubject)
    .option('--request-id <id>', 'request id (default: derived from the subject hash)', checkRequestId)
    .option('--out <file>', 'write the findings JSON here instead of stdout (- for stdout)')
    .option('--mirrors', "also search the PostgreSQL tables' Snowflake mirrors (needs Snowflake)")
    .option('--quiet', 'no progress line (shown on a terminal by default)')
    .option('--progress', 'progress lines on stderr even when it is not a terminal');
  addFormatOption(command).action(async (options: DiscoverOptions) => {
    if (options.format === 'json' && (!options.out || options.out === '-'))
      throw new CliError(
        '--format json prints the summary on stdout: give --out FILE for the findings',
        EXIT.usage,
      );
    // The output path is checked before anything is read (and again when written).
    if (options.out && options.out !== '-') await refuseNonRegular(options.out);
    const dsn = pgDsnFromEnv();
    const { DSR_SUBJECT_HASH_KEY: key } = readConfig(subjectHashKeyEnv);
    const env = readConfig(postgresEnv);
    const { DSR_SPILL_BYTES: runBytes } = readConfig(spillEnv);
    const map = await loadDataMap(options.datamap);
    checkSubjectKinds(map.identities, options.subject);
    const requestId =
      options.requestId ?? `adhoc-${subjectHash(key, normalizeSubject(map, options.subject)).slice(0, 16)}`;

    // A burst of commands against a role's connection limit waits for a slot (53300 retried).
    const db = openPgDatabase(env, new DsnCredentialSource(dsn), undefined, {
      connectRetry: connectionLimitRetry(COMMAND_CONNECT_ATTEMPTS),
    });
    let snowflake: SnowflakeDatabase | undefined;
    try {
      const postgres = await PostgresTableSearcher.create(db, map, options.datamap, {
        pageSize: env.DSR_PAGE_SIZE,
      });
      await db.healthCheck();
      // A reading role that row security filters for would answer with less than there is.
      await postgres.refuseRowSecurity();
      const searchers: Partial<Record<System, TableSearcher>> = { postgres };
      if (process.env.SNOWFLAKE_ACCOUNT) {
        // Loaded only here: a PostgreSQL-only discovery does not pay for the Snowflake driver.
        const [{ openSnowflakeFromEnv }, { SnowflakeTableSearcher }] = await Promise.all([
          import('../../adapters/aws/openSnowflakeFromEnv'),
          import('../../shared/snowflake/SnowflakeTableSearcher'),
        ]);
        snowflake = openSnowflakeFromEnv({ SNOWFLAKE_LOG_LEVEL: 'OFF', ...process.env }).db;
        if (map.snowflake.length > 0 || options.mirrors)
          searchers.snowflake = await SnowflakeTableSearcher.create(snowflake, map, options.datamap, {
            mirrors: options.mirrors ?? false,
          });
      } else if (options.mirrors) {
        throw new CliError('--mirrors needs Snowflake: SNOWFLAKE_ACCOUNT is not set', EXIT.usage);
      } else if (map.snowflake.length > 0) {
        process.stderr.write(
          'Snowflake is not configured (SNOWFLAKE_ACCOUNT is not set): searching PostgreSQL only.\n',
        );
      }
      refuseSubjectThatFitsNoColumn(map, options.subject, postgres, {
        snowflakeSearched: searchers.snowflake !== undefined,
        mirrors: options.mirrors ?? false,
      });
      // Rows go from the searchers' pages to a spill on disk, and the document is written from
      // the merged findings file: memory does not grow with the subject.
      const progress = new ProgressLine(
        progressMode({ isTTY: process.stderr.isTTY === true, ...options }),
        (text) => process.stderr.write(text),
      );
      const tablesMet = new Set<SearchableTable>();
      let rowsMet = 0;
      const { findings, rounds } = await discoverSubjectStream(
        {
          dataMap: map,
          searchers,
          subjectHashKey: key,
          tableConcurrency: env.DSR_TABLE_CONCURRENCY,
          searchMirrors: options.mirrors ?? false,
          spill: { runBytes },
          onRowMet: (table) => {
            tablesMet.add(table);
            progress.update({ tables: tablesMet.size, rows: ++rowsMet });
          },
        },
        { requestId, identifiers: options.subject },
      );
      progress.finish();
      try {
        const json = documentWithNewline(serializeSpilledFindings(findings));
        if (options.out && options.out !== '-') await writePrivateFile(options.out, json);
        else
          for await (const chunk of json)
            if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
      } finally {
        await findings.dispose();
      }
      const { summary } = findings;
      const unreadableRows = summary.unreadable ?? [];
      const result = {
        requestId,
        subjectHash: summary.subject.hash,
        rows: summary.rows,
        rounds,
        counts: summary.counts,
        unreadable: unreadableRows.length,
        unreadableByTable: countByTable(unreadableRows),
        notFollowed: summary.notFollowed ?? [],
        unparsedPhones: summary.unparsedPhones ?? [],
        evidenceHash: summary.evidenceHash,
        out: options.out,
      };
      if (options.format === 'json') writeResult('json', result, () => '');
      else process.stderr.write(formatSummary(result));
    } finally {
      await db.end();
      await snowflake?.close();
    }
  });
}

/** The summary as a person reads it: rows per table, rounds, evidence hash, the subject hash's prefix. */
function formatSummary(result: {
  readonly requestId: string;
  readonly subjectHash: string;
  readonly rows: number;
  readonly rounds: number;
  readonly counts: FindingsSummary['counts'];
  readonly notFollowed: readonly NotFollowed[];
  readonly unparsedPhones: readonly UnparsedPhones[];
  readonly unreadableByTable: Readonly<Record<string, number>>;
  readonly evidenceHash: string;
}): string {
  const perTable = Object.entries(result.counts)
    .flatMap(([system, tables]) => Object.entries(tables).map(([t, n]) => `  ${system} ${t}: ${n}`))
    .join('\n');
  const notFollowed = result.notFollowed.map((n) => `  ${n.system} ${describeNotFollowed(n)}\n`).join('');
  const unparsed = result.unparsedPhones.map((u) => `  ${u.system} ${describeUnparsedPhones(u)}\n`).join('');
  // Rows that matched but hold a value without a canonical form: not in the findings, nor followed
  // further, so the answer may lack what they lead to. Said here, not only in the document.
  const unreadable = Object.entries(result.unreadableByTable)
    .map(
      ([table, n]) =>
        `  ${table}: ${n} matching row(s) could not be read (a value without a canonical form; see "unreadable" in the findings): they and the rows they lead to are not in the answer\n`,
    )
    .join('');
  return (
    `request ${result.requestId}: ${result.rows} rows in ${result.rounds} rounds, subject ${result.subjectHash.slice(0, 12)}…\n` +
    `${perTable}\n${notFollowed}${unparsed}${unreadable}evidence sha256 ${result.evidenceHash}\n`
  );
}

/** Unreadable rows per `system table`. */
function countByTable(
  rows: readonly { readonly system: string; readonly table: string }[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) counts[`${r.system} ${r.table}`] = (counts[`${r.system} ${r.table}`] ?? 0) + 1;
  return counts;
}

async function* documentWithNewline(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array | string> {
  yield* chunks;
  yield '\n';
}
