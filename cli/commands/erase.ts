import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { Command } from 'commander';
import { openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import type { CanonicalValue } from '../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../shared/canonical/canonicalJson';
import { postgresEnv, readConfig, subjectHashKeyEnv } from '../../shared/config/readConfig';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import type { System } from '../../shared/datamap/System';
import { normalizeSubject } from '../../shared/discovery/discoverSubject';
import type { TableSearcher } from '../../shared/discovery/SearchableTable';
import { SubjectTooLargeError } from '../../shared/discovery/SubjectTooLargeError';
import { buildErasureReceipt } from '../../shared/erasure/buildErasureReceipt';
import type { ErasurePlan } from '../../shared/erasure/ErasurePlan';
import { formatErasureProblems } from '../../shared/erasure/ErasureProblem';
import { eraseSubject } from '../../shared/erasure/eraseSubject';
import { erasureEnv } from '../../shared/erasure/erasureEnv';
import { snowflakeErasurePart } from '../../shared/erasure/executeSnowflakeErasure';
import { formatErasurePlan } from '../../shared/erasure/formatErasurePlan';
import { readRetentionFacts } from '../../shared/erasure/readSnowflakeRetention';
import { TEXT_SCAN_DEFAULT_ROWS, TEXT_SCAN_STATEMENT_TIMEOUT_MS } from '../../shared/erasure/scanTextColumns';
import { InvalidInputError } from '../../shared/errors/errors';
import { refuseNonRegular, writePrivateFile } from '../../shared/files/writePrivateFile';
import { subjectHash } from '../../shared/identity/subjectHash';
import { COMMAND_CONNECT_ATTEMPTS, connectionLimitRetry } from '../../shared/postgres/connectionLimitRetry';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { renderErasureReceipt } from '../../shared/report/renderErasureReceipt';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import { CliError, EXIT } from '../CliError';
import { FileErasureStateStore } from '../FileErasureStateStore';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';
import { checkRequestId, collectSubject } from '../parseSubjects';
import { refuseSubjectThatFitsNoColumn } from '../refuseSubjectThatFitsNoColumn';

interface EraseOptions {
  datamap: string;
  subject: Record<string, string[]>;
  requestId?: string;
  dryRun?: boolean;
  writeDsn?: string;
  out?: string;
  confirmation?: string;
  stateDir?: string;
  format: OutputFormat;
  proofScanText?: number;
}

/**
 * `dsr erase --datamap FILE --subject kind=value … [--dry-run] [--write-dsn DSN] [--out FILE]`.
 * A dry run prints the plan and changes nothing. Otherwise the plan is executed with the erasure
 * role's connection, proved by re-discovery, and the receipt (JSON, hashed) is printed or written.
 * The output names tables, columns, counts and hashes, never a row's values. With Snowflake tables
 * in the map it needs `SNOWFLAKE_ACCOUNT` (reads, and the plan's checks against Snowflake's catalog)
 * and writes as `SNOWFLAKE_ERASURE_USER` / `SNOWFLAKE_ERASURE_PASSWORD` (default: the reading user);
 * a dry run rehearses the Snowflake part (rolled back) when `SNOWFLAKE_ERASURE_USER` is set.
 * Before the first commit the plan is persisted in the state directory (`--state-dir`, default
 * `DSR_ERASURE_STATE_DIR` or `.dsr/erasure`; `<requestId>.json`, 0600): a re-run of the request id
 * resumes it, and once erased the file keeps only the receipt of record, which a re-run reports.
 */
export function registerErase(program: Command): void {
  const command = program
    .command('erase')
    .description('erase one subject as the data map says: plan, execute, prove, and print the receipt')
    .requiredOption('--datamap <file>', 'data map YAML')
    .requiredOption('--subject <kind=value>', 'an identifier of the subject; repeat for more', collectSubject)
    .option('--request-id <id>', 'request id (default: derived from the subject hash)', checkRequestId)
    .option('--dry-run', 'print the plan, rehearse it (rolled back) and change nothing')
    .option('--write-dsn <dsn>', 'DSN of the erasure role (default: DSR_ERASURE_PG_DSN)')
    .option('--out <file>', 'write the receipt JSON here instead of stdout')
    .option('--confirmation <file>', 'also write the human-readable erasure confirmation (Markdown) here')
    .option(
      '--state-dir <dir>',
      'where the plan is persisted before the first commit, for a re-run to resume (default: DSR_ERASURE_STATE_DIR or .dsr/erasure)',
    )
    .option(
      '--proof-scan-text [rows]',
      "the proof also scans every readable text column outside the data map for the subject's identifiers, reading at most this many rows per table (default 100000; 30 s per table)",
      parseScanRows,
    );
  addFormatOption(command).action(async (options: EraseOptions) => {
    const dsn = process.env.PG_DSN;
    if (!dsn)
      throw new CliError('PG_DSN is not set (postgres://user:password@host:port/database)', EXIT.usage);
    const { DSR_SUBJECT_HASH_KEY: key } = readConfig(subjectHashKeyEnv);
    const env = readConfig(postgresEnv);
    const erasure = readConfig(erasureEnv);
    const writeDsn = options.writeDsn ?? erasure.DSR_ERASURE_PG_DSN;
    if (!options.dryRun && !writeDsn)
      throw new CliError(
        'erase needs the erasure role: --write-dsn or DSR_ERASURE_PG_DSN (or run with --dry-run)',
        EXIT.usage,
      );
    if (!options.dryRun && !erasure.DSR_ERASURE_MASK_KEY)
      throw new CliError(
        'erase needs DSR_ERASURE_MASK_KEY (32+ characters) for keyed-hash masks',
        EXIT.usage,
      );
    // Output paths are checked before anything is erased (and again when written).
    for (const path of [options.out, options.confirmation]) if (path) await refuseNonRegular(path);
    const map = await loadDataMap(options.datamap);
    const hashOfSubject = subjectHash(key, normalizeSubject(map, options.subject));
    const requestId = options.requestId ?? `adhoc-${hashOfSubject.slice(0, 16)}`;
    const state = new FileErasureStateStore(
      options.stateDir ?? process.env.DSR_ERASURE_STATE_DIR ?? '.dsr/erasure',
    );
    // The receipt, the confirmation and the state of record are three files, never one.
    const outputs = [options.out, options.confirmation]
      .filter((p): p is string => p !== undefined)
      .map((p) => resolve(p));
    if (new Set(outputs).size < outputs.length)
      throw new CliError('--out and --confirmation name the same file: give each its own', EXIT.usage);
    if (outputs.includes(resolve(state.locationOf(requestId))))
      throw new CliError(
        `${state.locationOf(requestId)} holds the erasure's state of record: write the receipt or the confirmation elsewhere`,
        EXIT.usage,
      );
    const open = (d: string) =>
      openPgDatabase(env, new DsnCredentialSource(d), undefined, {
        connectRetry: connectionLimitRetry(COMMAND_CONNECT_ATTEMPTS),
      });
    const db = open(dsn);
    let writeDb: PgDatabase | undefined;
    let sfRead: SnowflakeDatabase | undefined;
    let sfWrite: SnowflakeDatabase | undefined;
    try {
      // A dry run rehearses through the erasure role too, when it is given.
      if (writeDsn) writeDb = open(writeDsn);
      const postgres = await PostgresTableSearcher.create(db, map, options.datamap, {
        pageSize: env.DSR_PAGE_SIZE,
      });
      const searchers: Partial<Record<System, TableSearcher>> = { postgres };
      if (map.snowflake.length > 0) {
        if (!process.env.SNOWFLAKE_ACCOUNT)
          throw new CliError(
            'the data map has Snowflake tables: erasure needs SNOWFLAKE_ACCOUNT',
            EXIT.usage,
          );
        sfRead = openSnowflakeFromEnv({ SNOWFLAKE_LOG_LEVEL: 'OFF', ...process.env }).db;
        searchers.snowflake = await SnowflakeTableSearcher.create(sfRead, map, options.datamap);
        if (!options.dryRun || process.env.SNOWFLAKE_ERASURE_USER)
          sfWrite = openSnowflakeFromEnv({
            SNOWFLAKE_LOG_LEVEL: 'OFF',
            ...process.env,
            SNOWFLAKE_USER: process.env.SNOWFLAKE_ERASURE_USER ?? process.env.SNOWFLAKE_USER,
            SNOWFLAKE_PASSWORD: process.env.SNOWFLAKE_ERASURE_PASSWORD ?? process.env.SNOWFLAKE_PASSWORD,
          }).db;
      }
      refuseSubjectThatFitsNoColumn(map, options.subject, postgres, {
        snowflakeSearched: searchers.snowflake !== undefined,
      });
      const maskKey = erasure.DSR_ERASURE_MASK_KEY ?? 'dry-run-stand-in-mask-key';
      const result = await eraseSubject(
        {
          dataMap: map,
          db,
          ...(writeDb ? { writeDb } : {}),
          searchers,
          subjectHashKey: key,
          // A dry run evaluates CHECKs on keyed hashes with a stand-in key: the shape is what matters.
          maskKey,
          randomBytes,
          ...(sfRead ? { snowflakeDb: sfRead } : {}),
          ...(sfWrite
            ? { snowflake: snowflakeErasurePart({ db: sfWrite, dataMap: map, maskKey, randomBytes }) }
            : {}),
          state,
          // Refused with the cause and the fix rather than V8 stopping the process out of memory.
          maxHeldBytes: erasure.DSR_ERASE_PLAN_HEAP_MIB
            ? erasure.DSR_ERASE_PLAN_HEAP_MIB * 2 ** 20
            : Math.floor((getHeapStatistics().heap_size_limit * 2) / 3),
          ...(options.proofScanText !== undefined
            ? {
                proofScanText: {
                  // `--proof-scan-text` without a number: commander passes true.
                  maxRowsPerTable:
                    options.proofScanText === (true as unknown as number)
                      ? TEXT_SCAN_DEFAULT_ROWS
                      : options.proofScanText,
                  statementTimeoutMs: TEXT_SCAN_STATEMENT_TIMEOUT_MS,
                },
              }
            : {}),
          onStep: (s) => {
            process.stderr.write(
              `  ${s.system} ${s.table}: ${s.action} ${s.changed} row(s)${s.alreadyDone ? `, ${s.alreadyDone} already done` : ''}\n`,
            );
          },
        },
        {
          requestId,
          identifiers: options.subject,
          dryRun: options.dryRun === true,
          subjectHash: hashOfSubject,
        },
      ).catch((error: unknown) => {
        if (error instanceof InvalidInputError) throw new CliError(error.message, EXIT.usage);
        if (error instanceof SubjectTooLargeError)
          throw new CliError(
            `the subject's rows would take more than ${Math.round(error.maxHeldBytes / 2 ** 20)} MiB of this process's ` +
              `heap to plan their erasure (stopped after ${error.rowsMet} rows; nothing was changed): run it again with ` +
              'a larger heap, NODE_OPTIONS="--max-old-space-size=<MiB>" (the limit is two thirds of it), or set ' +
              'DSR_ERASE_PLAN_HEAP_MIB',
            EXIT.failed,
          );
        throw error;
      });
      if (result.outcome === 'already_erased') {
        // The first complete receipt stays the receipt of record: nothing is written anew.
        const record = result.record;
        if (options.out) await writePrivateFile(options.out, record.receipt);
        else process.stdout.write(record.receipt);
        process.stderr.write(
          `already erased: request ${requestId} has its receipt of record, sha256 ${record.receiptHash}, in ${state.locationOf(requestId)}${record.writtenTo ? ` (first written to ${record.writtenTo})` : ''}; nothing was changed, nor looked for: rows written about the subject since that erasure are not covered by it; to erase them, run a new request (--request-id${options.requestId === undefined ? ', as this one was derived from the subject' : ''})\n`,
        );
        return;
      }
      if (result.outcome === 'refused') {
        writeResult(
          options.format,
          { outcome: 'refused', plan: planSummary(result.plan), problems: result.problems },
          () => formatErasurePlan(result.plan, result.problems),
        );
        throw new CliError(
          `the erasure plan cannot run:\n${formatErasureProblems(result.problems)}`,
          EXIT.failed,
        );
      }
      if (result.outcome === 'planned') {
        writeResult(
          options.format,
          { outcome: 'planned', dryRun: true, rehearsal: result.rehearsal, plan: planSummary(result.plan) },
          () =>
            formatErasurePlan(result.plan) +
            (result.rehearsal === 'rehearsed'
              ? 'rehearsal: the planned PostgreSQL statements ran as the erasure role and were rolled back; the database accepted them\n'
              : 'rehearsal skipped: no erasure role given (--write-dsn or DSR_ERASURE_PG_DSN), so only the checks ran\n') +
            'dry run: nothing was changed\n',
        );
        return;
      }
      if (result.outcome === 'stale')
        throw new CliError(
          `rows changed under the erasure; nothing stale was changed in: ${result.stale.map((s) => s.table).join(', ')} (the plan stays in ${state.locationOf(requestId)}: a re-run resumes it)`,
          EXIT.failed,
        );
      process.stderr.write(formatErasurePlan(result.plan));
      if (result.resumed)
        process.stderr.write(
          `resumed the plan persisted in ${state.locationOf(requestId)} by an interrupted run\n`,
        );
      const receipt = buildErasureReceipt({
        plan: result.plan,
        steps: result.steps,
        verification: result.verification,
        retention: await readRetentionFacts(sfRead, map, erasure.DSR_PG_BACKUP_RETENTION_DAYS),
        completedAt: new Date().toISOString(),
      });
      const json = `${canonicalJson(receipt as unknown as CanonicalValue)}\n`;
      if (receipt.outcome === 'erased')
        // Recorded before any output file: a crash after this leaves the receipt of record, which
        // a re-run reports; the plan, findings and identifiers persisted for a resume are dropped.
        await state.write({
          kind: 'dsr.erasure-state',
          version: 1,
          phase: 'erased',
          requestId,
          subjectHash: result.plan.subject.hash,
          planHash: result.plan.planHash,
          receiptHash: receipt.receiptHash,
          receipt: json,
          ...(options.out ? { writtenTo: options.out } : {}),
        });
      if (options.out) await writePrivateFile(options.out, json);
      else process.stdout.write(json);
      if (options.confirmation) await writePrivateFile(options.confirmation, renderErasureReceipt(receipt));
      process.stderr.write(`${receipt.outcome}: receipt sha256 ${receipt.receiptHash}\n`);
      if (receipt.outcome !== 'erased')
        throw new CliError(
          `erasure_unverified: still findable in ${receipt.remaining.map((r) => `${r.system} ${r.table}${r.column ? ` (column ${r.column})` : ''}${r.reason === 'scan_incomplete' ? ' (not searched in full: a text scan out of time, or a view the reading role may not read)' : r.reason === 'identifier_in_unmasked_column' ? " (an identity column the mask leaves holds the subject's identifier)" : ''}`).join(', ')}; a re-run of request ${requestId} proves it again (and resumes its plan, made with the data map of its first run); after changing the data map or the database, run a new request (--request-id) to plan again`,
          EXIT.failed,
        );
    } finally {
      await db.end();
      await writeDb?.end();
      await sfRead?.close();
      await sfWrite?.close();
    }
  });
}

/**
 * The plan as `--format json` prints it: what {@link formatErasurePlan} says, per table in
 * execution order, with counts in place of the rows (a row's key may be an identifier).
 */
function planSummary(plan: ErasurePlan) {
  return {
    requestId: plan.requestId,
    subjectHash: plan.subject.hash,
    findingsHash: plan.findingsHash,
    planHash: plan.planHash,
    tables: plan.tables.map((t) => ({
      system: t.system,
      table: t.table,
      action: t.action,
      found: t.found,
      rows: t.rows.length,
      ...(t.excluded ? { excluded: t.excluded } : {}),
      ...(t.mask ? { mask: t.mask.map((m) => ({ column: m.column, strategy: m.strategy })) } : {}),
      ...(t.retain ? { retain: t.retain } : {}),
      approvalRequired: t.approvalRequired,
    })),
  };
}

function parseScanRows(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(
      `--proof-scan-text takes a number of rows per table, at least 1 (given ${value})`,
      EXIT.usage,
    );
  return n;
}
