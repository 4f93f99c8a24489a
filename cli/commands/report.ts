import { join } from 'node:path';
import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import { verifyLedger } from '../../shared/audit/verifyLedger';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { serializeFindingsDocument } from '../../shared/discovery/FindingsDocument';
import type { LedgerRecord } from '../../shared/load/readLedger';
import { readLoadedFindings } from '../../shared/load/readLoadedFindings';
import { EvidenceMismatchError, loadedFindingsDocument } from '../../shared/report/loadedFindingsDocument';
import { type ReportRequest, renderAccessReport } from '../../shared/report/renderAccessReport';
import { renderTimeline } from '../../shared/report/renderTimeline';
import { CliError, EXIT } from '../CliError';
import { makePrivateDirectory, writePrivateFile } from '../writePrivateFile';
import { readRequestHistory } from './status';

interface ReportOptions {
  datamap: string;
  outDir: string;
  anchors?: string;
}

/** As the intake message allows it: also safe as a file name. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** `dsr report REQUEST_ID --datamap FILE [--out-dir DIR]` */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      "rebuild a loaded request's canonical findings from DSR_FINDINGS, check them against the evidence hash " +
        'that was loaded, and write DIR/REQUEST_ID.json and the access report DIR/REQUEST_ID.md',
    )
    .argument('<request-id>', 'the request id', parseRequestId)
    .requiredOption('--datamap <file>', 'the data map the request was discovered with')
    .option('--out-dir <dir>', 'where to write the two files', 'out')
    .option('--anchors <dir>', 'the ledger anchors (files) to verify the request against')
    .addHelpText(
      'after',
      '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr status`). Exit 1 when the request is ' +
        'unknown or not loaded, or when the evidence read back differs from the evidence loaded.',
    )
    .action(async (requestId: string, options: ReportOptions) => {
      const dataMap = await loadDataMap(options.datamap);
      const setup = openSnowflakeFromEnv(process.env);
      const { db } = setup;
      const location = evidenceLocation(setup);
      try {
        const history = await readRequestHistory(db, location, requestId);
        const loaded = history.find((e) => e.state === 'loaded');
        if (!loaded)
          throw new CliError(
            `request ${requestId} is not loaded (current state: ${history.at(-1)?.state}): there is no evidence to report`,
            EXIT.failed,
          );
        const { request, subjectHash } = receivedDetail(requestId, history);
        const findings = await readLoadedFindings(db, location, requestId);
        let document: ReturnType<typeof loadedFindingsDocument>;
        try {
          document = loadedFindingsDocument({ dataMap, requestId, subjectHash, findings });
        } catch (error) {
          if (error instanceof EvidenceMismatchError) throw new CliError(error.message, EXIT.failed);
          throw error;
        }
        // The load stage records the hash it loaded: this also covers a request with no rows.
        const ledgerHash = loaded.detail?.evidenceHash;
        if (typeof ledgerHash === 'string' && ledgerHash !== document.evidenceHash)
          throw new CliError(
            `request ${requestId}: the evidence read back hashes to ${document.evidenceHash}, but the ledger recorded ${ledgerHash} when it was loaded`,
            EXIT.failed,
          );

        await makePrivateDirectory(options.outDir);
        const json = join(options.outDir, `${requestId}.json`);
        const md = join(options.outDir, `${requestId}.md`);
        await writePrivateFile(json, `${serializeFindingsDocument(document)}\n`);
        // The request's timeline and its ledger verification follow the report, for the controller's file.
        const anchors = options.anchors ? await new FileAnchorStore(options.anchors).list() : [];
        const verification = verifyLedger(history, anchors, new Set([requestId]));
        await writePrivateFile(
          md,
          `${renderAccessReport(request, document, dataMap)}\n${renderTimeline(history, verification)}`,
        );
        process.stdout.write(
          `request ${requestId}: ${document.findings.length} rows, evidence sha256 ${document.evidenceHash} (matches the evidence loaded)\n` +
            `ledger verification: ${verification.breaks.length === 0 ? 'PASS' : `FAIL, ${verification.breaks.length} break(s)`}\n` +
            `${json}\n${md}\n`,
        );
      } finally {
        await db.close();
      }
    });
}

/** What the `received` ledger entry says about the request, as the report states it. */
function receivedDetail(
  requestId: string,
  history: readonly LedgerRecord[],
): { request: ReportRequest; subjectHash: string } {
  const detail = history.find((e) => e.state === 'received')?.detail ?? {};
  const text = (key: string) => {
    const value = detail[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const fields = ['subjectHash', 'type', 'jurisdiction', 'receivedAt', 'deadline'] as const;
  const missing = fields.filter((f) => text(f) === undefined);
  if (missing.length > 0)
    throw new CliError(
      `request ${requestId}: the ledger's received entry does not record ${missing.join(', ')}, which the report needs`,
      EXIT.failed,
    );
  return {
    subjectHash: text('subjectHash') as string,
    request: {
      requestId,
      type: text('type') as string,
      jurisdiction: text('jurisdiction') as string,
      receivedAt: text('receivedAt') as string,
      deadline: text('deadline') as string,
    },
  };
}

function parseRequestId(value: string): string {
  if (!REQUEST_ID.test(value))
    throw new CliError(
      `REQUEST_ID takes 1-128 letters, digits and . _ : -, starting with a letter or digit`,
      EXIT.usage,
    );
  return value;
}
