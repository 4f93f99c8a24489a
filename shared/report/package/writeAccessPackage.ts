import { stringify } from 'csv-stringify/sync';
import type { CanonicalObject, CanonicalValue } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';
import { parseExactJson } from '../../canonical/parseExactJson';
import type { DataMap, Disclosure } from '../../datamap/dataMapSchema';
import type { Finding } from '../../discovery/FindingsDocument';
import type { FindingsSource } from '../../discovery/FindingsStream';
import { describeNotFollowed, describeUnparsedPhones } from '../../discovery/NotFollowed';
import type { ProvenanceEntry } from '../../discovery/Provenance';
import { csvCell } from './csvCell';
import { displayValue } from './displayValue';
import { humaniseTableName } from './humaniseTableName';
import { PackageEvidenceMismatchError } from './PackageEvidenceMismatchError';
import { type PackageDestination, type PackagedFile, PackageFile, sinkOf } from './PackageFile';
import { renderPage } from './packageTemplates';
import { type PackageTimeline, timelineView } from './packageTimeline';
import { visibleDataMapTexts } from './visibleDataMapTexts';
import { chooseLanguage, Wording } from './Wording';
import { writeManifest } from './writeManifest';

/** What the package states about the request itself (from the ledger's `received` entry). */
export interface PackageRequest {
  readonly requestId: string;
  readonly type: string;
  readonly jurisdiction: string;
  readonly receivedAt: string;
  readonly deadline: string;
  /** The language the subject asked in (BCP 47, e.g. `de` or `de-AT`); else the data map's default. */
  readonly language?: string;
}

/** Where the page stops showing and the data files take over. */
export interface PackageLimits {
  /** Rows of a table shown on the page; all of them are in its data files. */
  readonly htmlRowsPerTable: number;
  /** Characters of one value shown on the page; a longer value is cut with a note. */
  readonly htmlValueChars: number;
  /** Data rows per CSV file: a spreadsheet opens at most 1,048,576 rows, the header included. */
  readonly csvRowsPerFile: number;
}

export const DEFAULT_PACKAGE_LIMITS: PackageLimits = {
  htmlRowsPerTable: 1000,
  htmlValueChars: 500,
  csvRowsPerFile: 1_048_575,
};

export type AccessPackageInput = AccessPackageFields & PackageDestination;

interface AccessPackageFields {
  /** The request's findings, in canonical order; read twice, never held whole. */
  readonly source: FindingsSource;
  /** The data map the request was discovered with: disclosures, controller, default language. */
  readonly dataMap: DataMap;
  readonly request: PackageRequest;
  readonly timeline?: PackageTimeline;
  readonly limits?: Partial<PackageLimits>;
}

export interface WrittenPackage {
  /** Where it was written: the folder (`dir`, created 0700, its `data/` replaced) or the sink's location. */
  readonly dir: string;
  readonly language: string;
  /** Every file but the manifest, sorted by path, then the manifest. */
  readonly files: readonly PackagedFile[];
  readonly rows: number;
  /** The evidence hash, which evidence.json's SHA-256 was checked against. */
  readonly evidenceHash: string;
}

/** One table with rows, as the package presents it. */
interface TablePlan {
  readonly index: number;
  readonly system: string;
  readonly table: string;
  readonly rows: number;
  readonly title: string;
  readonly anchor: string;
  readonly columns: readonly string[];
  readonly disclosure: Disclosure | undefined;
  readonly categories: Readonly<Record<string, string>>;
  readonly csvFiles: readonly string[];
  readonly jsonFile: string;
}

/** What the first pass learns of a table: its columns and how its rows were reached. */
interface TableScan {
  rows: number;
  readonly columns: Set<string>;
  readonly matches: Map<string, ProvenanceEntry>;
}

/** Distinct ways a table's rows were reached that the appendix lists. */
const MAX_MATCHES = 50;

/**
 * Writes the subject's package for an access request into `dir`:
 * - `index.html`: one self-contained page in plain words (what, why, from where, to whom, how
 *   long, rights, contact), a section per table with rows, and the appendix for auditors;
 * - `data/<table>.csv` (split where a spreadsheet could not open one) and `data/<table>.json` per
 *   table with rows (Art. 20), the JSON with every value exactly as in the evidence;
 * - `evidence.json`: the canonical findings, whose SHA-256 is checked to equal the evidence hash;
 * - `manifest.json`: every file's SHA-256.
 *
 * Two passes over the findings (columns and provenance first, then the files), each holding one
 * table's shown rows at most: memory does not grow with the subject. No clock is read: the same
 * findings, map and request give byte-identical files. On any failure the package is removed.
 */
export async function writeAccessPackage(input: AccessPackageInput): Promise<WrittenPackage> {
  const { source, request } = input;
  // Texts from the data map are shown as values are: a bidirectional control cannot turn them around.
  const dataMap = visibleDataMapTexts(input.dataMap);
  const sink = sinkOf(input);
  const limits = { ...DEFAULT_PACKAGE_LIMITS, ...input.limits };
  const wording = Wording.of(chooseLanguage(request.language, dataMap.controller?.language ?? 'en'));
  const summary = source.summary;

  const scans = await scanFindings(source);
  const plans = planTables(summary.counts, scans, dataMap, limits.csvRowsPerFile);
  // Tables a followed value was refused for (the follow guard): rows of the subject's may be there.
  const notAllSearched = new Set(
    (summary.notFollowed ?? []).flatMap((n) => (n.into ?? []).map((c) => c.slice(0, c.lastIndexOf('.')))),
  );
  const searched = Object.entries(summary.counts).flatMap(([system, tables]) =>
    Object.entries(tables).map(([table, rows]) => {
      const plan = plans.find((p) => p.system === system && p.table === table);
      const matches = [...(scans.get(tableKey(system, table))?.matches.values() ?? [])];
      return {
        system,
        table,
        rows,
        title: plan?.title,
        howFound: matches.map((m) => describeMatch(m, wording)).sort(),
        incomplete: notAllSearched.has(`${system}:${table}`),
      };
    }),
  );
  // Identifiers of the request that several people's records hold (the request guard): not searched.
  const unsearched = [
    ...new Set(
      (summary.notFollowed ?? []).flatMap((n) =>
        n.requested && n.identity ? [n.identity.replace(/_/g, ' ')] : [],
      ),
    ),
  ]
    .sort()
    .join(', ');
  // Named for the subject as the package names them: the map's title, or the table's name in words.
  const incompletePlaces = searched
    .filter((s) => s.incomplete)
    .map((s) => s.title ?? titleOf(dataMap, s.system, s.table))
    .join(', ');

  await sink.prepare(['data']);
  const written: PackagedFile[] = [];
  const open: PackageFile[] = [];
  const openFile = (path: string) => {
    const file = new PackageFile(sink, path);
    open.push(file);
    return file;
  };
  const closeFile = async (file: PackageFile) => {
    written.push(await file.close());
    open.splice(open.indexOf(file), 1);
  };

  try {
    const view = {
      wording,
      lang: wording.language,
      title: wording.t('access.title'),
      controller: dataMap.controller,
      request: { ...request, receivedDate: request.receivedAt.slice(0, 10) },
      summary: wording.count('access.summary', summary.rows, {
        tables: wording.count('access.places', plans.length),
      }),
      tables: plans.map((p) => ({
        anchor: p.anchor,
        title: p.title,
        countText: wording.count('records', p.rows),
        ...aboutTable(p),
      })),
      // An empty list states that there are none; an absent one, that nothing was stated.
      transfersStated: dataMap.controller?.transfers !== undefined,
      transfers: dataMap.controller?.transfers ?? [],
      automatedStated: dataMap.controller?.automatedDecisions !== undefined,
      automated: dataMap.controller?.automatedDecisions ?? [],
      searched,
      incompletePlaces,
      unsearched,
      subjectHash: summary.subject.hash,
      evidenceHash: summary.evidenceHash,
      unreadable: (summary.unreadable ?? []).map((u) => ({
        ...u,
        key: canonicalJson(u.key as CanonicalValue),
      })),
      // Counts and names only (never a value), as discovery wrote them.
      notFollowed: (summary.notFollowed ?? []).map((n) => `${describeNotFollowed(n)} (${n.system})`),
      unparsedPhones: (summary.unparsedPhones ?? []).map((u) => `${describeUnparsedPhones(u)} (${u.system})`),
      timeline: timelineView(input.timeline, wording),
    };
    const html = openFile('index.html');
    await html.write(renderPage('accessStart', view));

    const evidence = openFile('evidence.json');
    await evidence.write('[');
    let first = true;
    let current: TableWriter | undefined;
    let planIndex = 0;
    for await (const line of source.lines()) {
      await evidence.write(first ? line : `,${line}`);
      first = false;
      const finding = parseFindingLine(line);
      if (!current || current.plan.system !== finding.system || current.plan.table !== finding.table) {
        if (current) await current.finish();
        const plan = plans[planIndex++];
        if (!plan || plan.system !== finding.system || plan.table !== finding.table)
          throw new PackageEvidenceMismatchError(
            `request ${summary.requestId}: the findings of ${finding.system} ${finding.table} are not in canonical order or not counted`,
          );
        current = new TableWriter(plan, limits, wording, openFile, closeFile, html);
        await current.start();
      }
      await current.add(finding.row);
    }
    if (current) await current.finish();
    await evidence.write(']');
    await closeFile(evidence);
    const evidenceSha = written.find((f) => f.path === 'evidence.json')?.sha256;
    if (evidenceSha !== summary.evidenceHash)
      throw new PackageEvidenceMismatchError(
        `request ${summary.requestId}: evidence.json hashes to ${evidenceSha}, not to the evidence hash ${summary.evidenceHash}`,
      );

    await html.write(renderPage('accessEnd', view));
    await closeFile(html);
    const manifest = await writeManifest(sink, written, {
      counts: summary.counts as unknown as CanonicalObject,
      evidenceHash: summary.evidenceHash,
      kind: 'access',
      language: wording.language,
      requestId: summary.requestId,
      rows: summary.rows,
      subject: { hash: summary.subject.hash },
    });
    return {
      dir: sink.location,
      language: wording.language,
      files: [...[...written].sort((a, b) => (a.path < b.path ? -1 : 1)), manifest],
      rows: summary.rows,
      evidenceHash: summary.evidenceHash,
    };
  } catch (error) {
    await Promise.allSettled(open.map((f) => f.abort()));
    // Nothing half-written is left to be sent where the sink can remove it; a bucket keeps the
    // files until the next attempt overwrites them (the manifest, written last, is then missing).
    await sink.discard(['index.html', 'evidence.json', 'manifest.json']);
    throw error;
  }
}

/** Writes one table's CSV and JSON files and, when it ends, its section of the page. */
class TableWriter {
  private csv: PackageFile | undefined;
  private csvPart = 0;
  private csvRows = 0;
  private csvBatch: string[][] = [];
  private json: PackageFile | undefined;
  private rows = 0;
  private readonly shown: { label: string; text: string; note?: string }[][] = [];

  constructor(
    readonly plan: TablePlan,
    private readonly limits: PackageLimits,
    private readonly wording: Wording,
    private readonly openFile: (path: string) => PackageFile,
    private readonly closeFile: (file: PackageFile) => Promise<void>,
    private readonly html: PackageFile,
  ) {}

  async start(): Promise<void> {
    this.json = this.openFile(this.plan.jsonFile);
    await this.json.write('[\n');
    await this.nextCsv();
  }

  async add(row: CanonicalObject): Promise<void> {
    const { plan, limits } = this;
    await (this.json as PackageFile).write(`${this.rows === 0 ? '' : ',\n'}${canonicalJson(row)}`);
    if (this.csvRows === limits.csvRowsPerFile) await this.nextCsv();
    this.csvBatch.push(plan.columns.map((c) => csvCell(row[c])));
    this.csvRows++;
    if (this.csvBatch.length >= 500) await this.flushCsv();
    if (this.shown.length < limits.htmlRowsPerTable)
      this.shown.push(
        plan.columns.map((c) => {
          const shown = displayValue(row[c], limits.htmlValueChars);
          return {
            label: c,
            text: shown.text,
            ...(shown.fullLength !== undefined
              ? { note: this.wording.t('data.truncated', { length: shown.fullLength, file: plan.jsonFile }) }
              : {}),
          };
        }),
      );
    this.rows++;
  }

  async finish(): Promise<void> {
    const { plan, wording } = this;
    if (this.rows !== plan.rows)
      throw new PackageEvidenceMismatchError(
        `${plan.system} ${plan.table}: ${this.rows} findings read, ${plan.rows} counted`,
      );
    await this.flushCsv();
    await this.closeFile(this.csv as PackageFile);
    await (this.json as PackageFile).write('\n]\n');
    await this.closeFile(this.json as PackageFile);
    const files = [...plan.csvFiles, plan.jsonFile].join(', ');
    await this.html.write(
      renderPage('accessTable', {
        wording,
        anchor: plan.anchor,
        index: plan.index,
        title: plan.title,
        rows: plan.rows,
        countText: wording.count('records', plan.rows),
        filesText: wording.t('data.files', { files }),
        shownText:
          plan.rows > this.shown.length
            ? wording.t('data.shown', { shown: this.shown.length, count: plan.rows, files })
            : undefined,
        columns: plan.columns,
        records: this.shown,
      }),
    );
  }

  private async nextCsv(): Promise<void> {
    if (this.csv) {
      await this.flushCsv();
      await this.closeFile(this.csv);
    }
    const path = this.plan.csvFiles[this.csvPart++] as string;
    this.csv = this.openFile(path);
    this.csvRows = 0;
    // A byte order mark, so spreadsheets read the file as UTF-8.
    // Column names are the database's: a header cell a spreadsheet would read as a formula is
    // neutralised as a value's is.
    await this.csv.write(`\uFEFF${stringify([this.plan.columns.map((c) => csvCell(c))], CSV_OPTIONS)}`);
  }

  private async flushCsv(): Promise<void> {
    if (this.csvBatch.length === 0) return;
    const text = stringify(this.csvBatch, CSV_OPTIONS);
    this.csvBatch = [];
    await (this.csv as PackageFile).write(text);
  }
}

/** RFC 4180: comma, CRLF, fields quoted when they need it. Formulas are neutralised by `csvCell`. */
const CSV_OPTIONS = { record_delimiter: 'windows', eof: true } as const;

/** First pass: each table's columns and the distinct ways its rows were reached. */
async function scanFindings(source: FindingsSource): Promise<Map<string, TableScan>> {
  const scans = new Map<string, TableScan>();
  for await (const line of source.lines()) {
    // Only names are needed here, so the fast parse serves (values are read exactly in the second pass).
    const f = JSON.parse(line) as {
      system: string;
      table: string;
      row: object;
      provenance: ProvenanceEntry[];
    };
    const key = tableKey(f.system, f.table);
    let scan = scans.get(key);
    if (!scan) {
      scan = { rows: 0, columns: new Set(), matches: new Map() };
      scans.set(key, scan);
    }
    scan.rows++;
    for (const column of Object.keys(f.row)) scan.columns.add(column);
    for (const m of f.provenance) {
      if (scan.matches.size >= MAX_MATCHES) break;
      const { round: _round, ...how } = m;
      scan.matches.set(JSON.stringify(m.via === 'follow' ? m : how), m);
    }
  }
  return scans;
}

/** The tables with rows, in the findings' order, with their titles, columns and file names. */
function planTables(
  counts: FindingsSource['summary']['counts'],
  scans: ReadonlyMap<string, TableScan>,
  map: DataMap,
  csvRowsPerFile: number,
): TablePlan[] {
  const specs = new Map<string, { disclosure?: Disclosure; categories: Record<string, string> }>([
    ...map.postgres.map((t) => [tableKey('postgres', t.table), t] as const),
    ...map.snowflake.map((t) => [tableKey('snowflake', t.table), t] as const),
  ]);
  const used = new Set<string>();
  const plans: TablePlan[] = [];
  for (const [system, tables] of Object.entries(counts))
    for (const [table, rows] of Object.entries(tables)) {
      if (rows === 0) continue;
      const scan = scans.get(tableKey(system, table));
      if (!scan || scan.rows !== rows)
        throw new PackageEvidenceMismatchError(
          `${system} ${table}: ${scan?.rows ?? 0} findings read, ${rows} counted`,
        );
      // Names differing only in case would be one file on some file systems.
      let base = table;
      if (used.has(base.toLowerCase())) base = `${table}.${system}`;
      used.add(base.toLowerCase());
      const spec = specs.get(tableKey(system, table));
      const parts = Math.max(1, Math.ceil(rows / csvRowsPerFile));
      plans.push({
        index: plans.length + 1,
        system,
        table,
        rows,
        title: titleOf(map, system, table),
        anchor: `t${plans.length + 1}`,
        columns: [...scan.columns].sort(),
        disclosure: spec?.disclosure,
        categories: spec?.categories ?? {},
        csvFiles: Array.from({ length: parts }, (_, i) =>
          parts === 1 ? `data/${base}.csv` : `data/${base}.part${i + 1}.csv`,
        ),
        jsonFile: `data/${base}.json`,
      });
    }
  return plans;
}

/** The facts of a table under the Art. 15(1) headings, as lists (empty: not stated). */
function aboutTable(p: TablePlan) {
  const d = p.disclosure;
  return {
    categories: d?.categories ?? categoryLines(p),
    purposes: d?.purposes ?? [],
    source: d?.source ? [d.source] : [],
    recipients: d?.recipients ?? [],
    retention: d?.retention ? [d.retention] : [],
  };
}

/** The table's fields grouped under the data categories the map declares for them. */
function categoryLines(p: TablePlan): string[] {
  const byCategory = new Map<string, string[]>();
  const other: string[] = [];
  for (const column of p.columns) {
    // Own properties only: a column named `constructor` or `__proto__` is not a category.
    const category = Object.hasOwn(p.categories, column) ? p.categories[column] : undefined;
    if (category === undefined) other.push(column);
    else byCategory.set(category, [...(byCategory.get(category) ?? []), column]);
  }
  const lines = [...byCategory]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, columns]) => `${category.replace(/[._]/g, ' ')}: ${columns.join(', ')}`);
  if (other.length > 0) lines.push(other.join(', '));
  return lines;
}

/** One way rows were reached, in words, e.g. "found by your email address (in column email)". */
export function describeMatch(match: ProvenanceEntry, wording: Wording): string {
  if (match.via === 'identity')
    return wording.t(match.source === 'learned' ? 'match.identityLearned' : 'match.identity', {
      identity: wording.identity(match.identity),
      column: match.column,
    });
  const ref = match.from.slice(match.from.indexOf(':') + 1);
  const dot = ref.lastIndexOf('.');
  return wording.t('match.follow', {
    table: ref.slice(0, dot),
    refColumn: ref.slice(dot + 1),
    column: match.column,
    round: match.round,
  });
}

/**
 * One finding from its canonical JSON line, every number exact. `JSON.parse` is tried first (about
 * twenty times faster than the exact parser on a large value) and kept only when writing its result
 * canonically gives the line back byte for byte, which proves no number lost a digit.
 */
function parseFindingLine(line: string): Finding {
  const fast = JSON.parse(line) as CanonicalValue;
  if (canonicalJson(fast) === line) return fast as unknown as Finding;
  return parseExactJson(line) as unknown as Finding;
}

function tableKey(system: string, table: string): string {
  return `${system}\u0000${table}`;
}

/** A table's name for the subject: the data map's disclosure title, or its name in words. */
function titleOf(map: DataMap, system: string, table: string): string {
  const specs = system === 'snowflake' ? map.snowflake : map.postgres;
  return specs.find((t) => t.table === table)?.disclosure?.title ?? humaniseTableName(table);
}
