import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import { type LedgerVerification, verifyLedger } from '../../shared/audit/verifyLedger';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { serializeFindingsDocument } from '../../shared/discovery/FindingsDocument';
import { parseNotFollowed, parseUnparsedPhones } from '../../shared/discovery/NotFollowed';
import { ErasureReceiptMismatchError } from '../../shared/erasure/ErasureReceiptMismatchError';
import { erasureReceiptText } from '../../shared/erasure/erasureReceiptText';
import {
  makePrivateDirectory,
  refuseNonRegular,
  writePrivateFile,
} from '../../shared/files/writePrivateFile';
import { lifecycleOf } from '../../shared/ledger/RequestState';
import type { LedgerRecord } from '../../shared/load/readLedger';
import { readLoadedFindings } from '../../shared/load/readLoadedFindings';
import { SnowflakeErasureReceipts } from '../../shared/load/SnowflakeErasureReceipts';
import { LoadedEvidenceMismatchError } from '../../shared/report/LoadedEvidenceMismatchError';
import { EvidenceMismatchError, loadedFindingsDocument } from '../../shared/report/loadedFindingsDocument';
import { PackageEvidenceMismatchError } from '../../shared/report/package/PackageEvidenceMismatchError';
import { LANGUAGES } from '../../shared/report/package/Wording';
import { type WrittenPackage, writeAccessPackage } from '../../shared/report/package/writeAccessPackage';
import { writeErasurePackage } from '../../shared/report/package/writeErasurePackage';
import { zipPackage } from '../../shared/report/package/zipPackage';
import { type ReportRequest, renderAccessReport } from '../../shared/report/renderAccessReport';
import { renderErasureReceipt } from '../../shared/report/renderErasureReceipt';
import { renderTimeline } from '../../shared/report/renderTimeline';
import { renderValuesErasedReport } from '../../shared/report/renderValuesErasedReport';
import { type StreamedLoadedFindings, streamLoadedFindings } from '../../shared/report/streamLoadedFindings';
import { valuesErasedOf, verifyErasedEvidence } from '../../shared/report/verifyErasedEvidence';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';
import { readRequestHistory } from './status';

interface ReportOptions {
  datamap?: string;
  outDir: string;
  /** The subject's package folder; with it (or `zip`) the package is written instead of `<id>.json`/`<id>.md`. */
  out?: string;
  zip?: string;
  language?: string;
  anchors?: string;
  format: OutputFormat;
}

/** What `--format json` prints: the request, what verified, and every file written. */
interface ReportResult {
  readonly requestId: string;
  readonly kind: 'access' | 'values_erased' | 'erasure';
  readonly ledger: { readonly verified: boolean; readonly breaks: number };
  readonly files: readonly string[];
  readonly package?: { readonly dir: string; readonly language: string; readonly files: readonly string[] };
  readonly zip?: string;
  readonly [detail: string]: unknown;
}

/** As the intake message allows it: also safe as a file name. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** `dsr report REQUEST_ID --datamap FILE [--out-dir DIR]` */
export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description(
      "rebuild a loaded request's canonical findings from DSR_FINDINGS, check them against the evidence hash " +
        "that was loaded, and write the subject's package (--out DIR, --zip FILE) or DIR/REQUEST_ID.json and " +
        'the access report DIR/REQUEST_ID.md; for an erasure request, the erasure confirmation from its stored ' +
        'receipt (its hash verified)',
    )
    .argument('<request-id>', 'the request id', parseRequestId)
    .option('--datamap <file>', 'the data map the request was discovered with (access requests)')
    .option(
      '--out-dir <dir>',
      'where to write REQUEST_ID.json and REQUEST_ID.md (without --out/--zip)',
      'out',
    )
    .option(
      '--out <dir>',
      "write the subject's package to DIR: index.html, data/<table>.csv and .json, evidence.json (or receipt.json) and manifest.json",
    )
    .option('--zip <file>', 'also (or, without --out, only) write the package as one zip file')
    .option(
      '--language <code>',
      "the package's language (en, de); default: the request's, else the data map's",
    )
    .option('--anchors <dir>', 'the ledger anchors (files) to verify the request against')
    .addHelpText(
      'after',
      '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr status`). Exit 1 when the request is ' +
        'unknown or not loaded, or when the evidence read back differs from the evidence loaded; for an erasure ' +
        'request, when it has no receipt or the receipt does not verify. An access request whose values a later ' +
        'erasure removed is reported as such: the rest of its evidence is verified.',
    );
  addFormatOption(command).action(async (requestId: string, options: ReportOptions) => {
    const primary = options.language?.toLowerCase().split('-')[0];
    if (primary !== undefined && !(LANGUAGES as string[]).includes(primary))
      throw new CliError(
        `--language ${options.language}: the package is written in ${LANGUAGES.join(' or ')} (leave it out for the request's language, else the data map's)`,
        EXIT.usage,
      );
    // The paths written are checked before anything is read.
    for (const path of [options.zip]) if (path) await refuseNonRegular(path);
    const setup = openSnowflakeFromEnv(process.env);
    const { db } = setup;
    const location = evidenceLocation(setup);
    try {
      const history = await readRequestHistory(db, location, requestId);
      // An erasure request reports its receipt; one that ended `loaded` (as erasure requests did
      // before the erase stage existed) reports its evidence like an access request.
      const loaded = history.some((e) => e.state === 'loaded');
      const erasure = !loaded && history.find((e) => e.state === 'received')?.detail?.type === 'erasure';
      if (!erasure && !loaded)
        throw new CliError(
          `request ${requestId} is not loaded (current state: ${history.at(-1)?.state}): there is no evidence to report`,
          EXIT.failed,
        );
      const { request, subjectHash } = receivedDetail(requestId, history);
      const anchors = options.anchors ? await new FileAnchorStore(options.anchors).list() : [];
      const verification = verifyLedger(history, anchors, new Set([requestId]));
      const context = { db, location, requestId, history, request, subjectHash, verification, options };
      if (erasure) await reportErasure(context);
      else if (valuesErasedOf(history).length > 0) await reportValuesErased(context);
      else await reportAccess(context);
    } finally {
      await db.close();
    }
  });
}

interface ReportContext {
  readonly db: SnowflakeDatabase;
  readonly location: LoadLocation;
  readonly requestId: string;
  readonly history: readonly LedgerRecord[];
  readonly request: ReportRequest & { readonly language?: string };
  readonly subjectHash: string;
  readonly verification: LedgerVerification;
  readonly options: ReportOptions;
}

function ledgerLine(verification: LedgerVerification): string {
  return `ledger verification: ${verification.breaks.length === 0 ? 'PASS' : `FAIL, ${verification.breaks.length} break(s)`}\n`;
}

function ledgerOf(verification: LedgerVerification): ReportResult['ledger'] {
  return { verified: verification.breaks.length === 0, breaks: verification.breaks.length };
}

/** The access report, rebuilt from the evidence and checked against the evidence hash loaded. */
async function reportAccess(c: ReportContext): Promise<void> {
  const { requestId, history, options } = c;
  const loaded = history.find((e) => e.state === 'loaded');
  if (!loaded)
    throw new CliError(
      `request ${requestId} is not loaded (current state: ${history.at(-1)?.state}): there is no evidence to report`,
      EXIT.failed,
    );
  if (!options.datamap)
    throw new CliError(
      '--datamap: the data map the request was discovered with is needed for an access report',
      EXIT.usage,
    );
  const dataMap = await loadDataMap(options.datamap);
  if (wantsPackage(options)) {
    await reportAccessPackage(c, dataMap, loaded);
    return;
  }
  const findings = await readLoadedFindings(c.db, c.location, requestId);
  let document: ReturnType<typeof loadedFindingsDocument>;
  try {
    document = loadedFindingsDocument({
      dataMap,
      requestId,
      subjectHash: c.subjectHash,
      findings,
      notFollowed: parseNotFollowed(loaded.detail?.notFollowed),
      unparsedPhones: parseUnparsedPhones(loaded.detail?.unparsedPhones),
    });
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

  const accessResult = {
    requestId,
    kind: 'access',
    rows: document.findings.length,
    evidenceHash: document.evidenceHash,
    evidenceVerified: true,
    ledger: ledgerOf(c.verification),
  } as const;
  const accessLine = `request ${requestId}: ${document.findings.length} rows, evidence sha256 ${document.evidenceHash} (matches the evidence loaded)\n`;
  await makePrivateDirectory(options.outDir);
  const json = join(options.outDir, `${requestId}.json`);
  const md = join(options.outDir, `${requestId}.md`);
  await writePrivateFile(json, `${serializeFindingsDocument(document)}\n`);
  // The request's timeline and its ledger verification follow the report, for the controller's file.
  await writePrivateFile(
    md,
    `${renderAccessReport(c.request, document, dataMap)}\n${renderTimeline(history, c.verification)}`,
  );
  printReport(
    options.format,
    { ...accessResult, files: [json, md] },
    `${accessLine}${ledgerLine(c.verification)}${json}\n${md}\n`,
  );
}

/**
 * The subject's package of an access request, in bounded memory: a first pass reads DSR_FINDINGS
 * in pages into a private file in canonical order while hashing it (`streamLoadedFindings`), and
 * refuses evidence whose recomputed hash is not the one stored with the rows or recorded in the
 * ledger, before a file of the package is written; the writer then reads that file (twice) and
 * checks evidence.json's SHA-256 once more as it writes it.
 */
async function reportAccessPackage(c: ReportContext, dataMap: DataMap, loaded: LedgerRecord): Promise<void> {
  const { requestId, history, options } = c;
  let source: StreamedLoadedFindings;
  try {
    source = await streamLoadedFindings({
      db: c.db,
      at: c.location,
      dataMap,
      requestId,
      subjectHash: c.subjectHash,
      notFollowed: parseNotFollowed(loaded.detail?.notFollowed),
      unparsedPhones: parseUnparsedPhones(loaded.detail?.unparsedPhones),
    });
  } catch (error) {
    if (error instanceof LoadedEvidenceMismatchError) throw new CliError(error.message, EXIT.failed);
    throw error;
  }
  try {
    const { summary } = source;
    // The load stage records the hash it loaded: this also covers a request with no rows.
    const ledgerHash = loaded.detail?.evidenceHash;
    if (typeof ledgerHash === 'string' && ledgerHash !== summary.evidenceHash)
      throw new CliError(
        `request ${requestId}: the evidence read back hashes to ${summary.evidenceHash}, but the ledger recorded ${ledgerHash} when it was loaded`,
        EXIT.failed,
      );
    const written = await writePackage(options, (dir) =>
      writeAccessPackage({
        source,
        dataMap,
        request: { ...c.request, ...languageOf(c, options) },
        timeline: { history, verification: c.verification },
        dir,
      }),
    );
    printReport(
      options.format,
      {
        requestId,
        kind: 'access',
        rows: summary.rows,
        evidenceHash: summary.evidenceHash,
        evidenceVerified: true,
        ledger: ledgerOf(c.verification),
        files: [],
        ...written,
      },
      `request ${requestId}: ${summary.rows} rows, evidence sha256 ${summary.evidenceHash} (matches the evidence loaded)\n` +
        `${ledgerLine(c.verification)}${packageLines(written)}`,
    );
  } finally {
    await source.dispose();
  }
}

/**
 * An access request whose row values a later erasure removed: the values cannot be reported, but
 * what remains is verified (see {@link verifyErasedEvidence}); anything else that differs fails.
 */
async function reportValuesErased(c: ReportContext): Promise<void> {
  const { requestId, history, options } = c;
  const loaded = history.find((e) => e.state === 'loaded');
  if (!loaded)
    throw new CliError(
      `request ${requestId} is not loaded (current state: ${history.at(-1)?.state}): there is no evidence to report`,
      EXIT.failed,
    );
  const erased = valuesErasedOf(history);
  const findings = await readLoadedFindings(c.db, c.location, requestId);
  const check = verifyErasedEvidence({ findings, loaded: loaded.detail ?? {}, erased });
  const evidenceHash = String(loaded.detail?.evidenceHash ?? findings[0]?.evidenceHash ?? '');
  await makePrivateDirectory(options.outDir);
  const md = join(options.outDir, `${requestId}.md`);
  await writePrivateFile(
    md,
    `${renderValuesErasedReport(c.request, evidenceHash, erased, check)}\n${renderTimeline(history, c.verification)}`,
  );
  const removedBy = erased.map((e) => `by erasure request ${e.byRequest} on ${e.at}`).join(', ');
  if (check.problems.length > 0)
    throw new CliError(
      `request ${requestId}: its evidence values were removed ${removedBy}, and the rest does not verify: ${check.problems.join('; ')} (report written to ${md})`,
      EXIT.failed,
    );
  printReport(
    options.format,
    {
      requestId,
      kind: 'values_erased',
      rows: check.rows,
      removedRows: check.removed,
      removedBy: erased.map((e) => ({ request: e.byRequest, at: e.at })),
      evidenceHash,
      evidenceVerified: true,
      ledger: ledgerOf(c.verification),
      files: [md],
    },
    `request ${requestId}: ${check.rows} rows, values removed ${removedBy} (${check.removed} rows); ` +
      `the rest verifies against evidence sha256 ${evidenceHash}\n${ledgerLine(c.verification)}${md}\n`,
  );
}

/** An erasure request: the confirmation from its stored receipt, whose hash must verify, and its timeline. */
async function reportErasure(c: ReportContext): Promise<void> {
  const { requestId, history, options } = c;
  const store = new SnowflakeErasureReceipts(async () => c.db, c.location);
  let receipt: Awaited<ReturnType<typeof store.get>>;
  try {
    receipt = await store.get(requestId);
  } catch (error) {
    if (error instanceof ErasureReceiptMismatchError)
      throw new CliError(`receipt verification: FAIL — ${error.message}`, EXIT.failed);
    throw error;
  }
  if (!receipt)
    throw new CliError(
      `request ${requestId} has no erasure receipt (current state: ${lifecycleOf(history).at(-1)?.state}): there is nothing to confirm yet`,
      EXIT.failed,
    );
  if (receipt.subject.hash !== c.subjectHash)
    throw new CliError(
      `receipt verification: FAIL — the receipt of request ${requestId} names subject ${receipt.subject.hash}, the ledger received ${c.subjectHash}`,
      EXIT.failed,
    );
  const ended = history.find((e) => e.state === 'erased' || e.state === 'erasure_unverified');
  const ledgerHash = ended?.detail?.receiptHash;
  if (typeof ledgerHash === 'string' && ledgerHash !== receipt.receiptHash)
    throw new CliError(
      `receipt verification: FAIL — the stored receipt hashes to ${receipt.receiptHash}, the ledger recorded ${ledgerHash}`,
      EXIT.failed,
    );
  const erasureResult = {
    requestId,
    kind: 'erasure',
    erasureOutcome: receipt.outcome,
    receiptHash: receipt.receiptHash,
    receiptVerified: true,
    ledger: ledgerOf(c.verification),
  } as const;
  const erasureLine = `request ${requestId}: erasure ${receipt.outcome}, receipt sha256 ${receipt.receiptHash} (verifies)\n`;
  if (wantsPackage(options)) {
    const dataMap = options.datamap ? await loadDataMap(options.datamap) : undefined;
    const written = await writePackage(options, (dir) =>
      writeErasurePackage({
        receipt,
        ...(dataMap ? { dataMap } : {}),
        ...languageOf(c, options),
        timeline: { history, verification: c.verification },
        dir,
      }),
    );
    printReport(
      options.format,
      { ...erasureResult, files: [], ...written },
      `${erasureLine}${ledgerLine(c.verification)}${packageLines(written)}`,
    );
    return;
  }
  await makePrivateDirectory(options.outDir);
  const json = join(options.outDir, `${requestId}.json`);
  const md = join(options.outDir, `${requestId}.md`);
  await writePrivateFile(json, `${erasureReceiptText(receipt)}\n`);
  await writePrivateFile(md, `${renderErasureReceipt(receipt)}\n${renderTimeline(history, c.verification)}`);
  printReport(
    options.format,
    { ...erasureResult, files: [json, md] },
    `${erasureLine}${ledgerLine(c.verification)}${json}\n${md}\n`,
  );
}

function printReport(format: OutputFormat, result: ReportResult, text: string): void {
  writeResult(format, result, () => text);
}

function wantsPackage(options: ReportOptions): boolean {
  return options.out !== undefined || options.zip !== undefined;
}

/** The package's language: `--language`, else the one the request was received with. */
function languageOf(c: ReportContext, options: ReportOptions): { language?: string } {
  const language = options.language ?? c.request.language;
  return language ? { language } : {};
}

/**
 * Writes the package into `--out` (or a private temporary folder when only `--zip` is given),
 * zips it when asked, and says where everything is.
 */
async function writePackage(
  options: ReportOptions,
  write: (dir: string) => Promise<WrittenPackage>,
): Promise<Pick<ReportResult, 'package' | 'zip'>> {
  const dir = options.out ?? (await mkdtemp(join(tmpdir(), 'dsr-package-')));
  try {
    let written: WrittenPackage;
    try {
      written = await write(dir);
    } catch (error) {
      if (error instanceof PackageEvidenceMismatchError) throw new CliError(error.message, EXIT.failed);
      throw error;
    }
    if (options.zip) await zipPackage(dir, written.files, options.zip);
    return {
      ...(options.out
        ? { package: { dir, language: written.language, files: written.files.map((f) => f.path) } }
        : {}),
      ...(options.zip ? { zip: options.zip } : {}),
    };
  } finally {
    if (!options.out) await rm(dir, { recursive: true, force: true });
  }
}

/** Where the package and its zip went, as the text output says it. */
function packageLines(written: Pick<ReportResult, 'package' | 'zip'>): string {
  const p = written.package;
  return (
    (p ? `package (${p.language}): ${p.dir}/ (${p.files.join(', ')})\n` : '') +
    (written.zip ? `zip: ${written.zip}\n` : '')
  );
}

/** What the `received` ledger entry says about the request, as the report states it. */
function receivedDetail(
  requestId: string,
  history: readonly LedgerRecord[],
): { request: ReportRequest & { language?: string }; subjectHash: string } {
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
      ...(text('language') ? { language: text('language') as string } : {}),
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
