import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { parseExactJson } from '../canonical/parseExactJson';
import type { DataMap } from '../datamap/dataMapSchema';
import { EvidenceHasher } from '../discovery/EvidenceHasher';
import type { FindingsSource, FindingsSummary } from '../discovery/FindingsStream';
import { KEYLESS_KEY } from '../discovery/keylessRowKeys';
import { LineFileReader, readFileLines } from '../discovery/LineFileReader';
import type { NotFollowed, UnparsedPhones } from '../discovery/NotFollowed';
import {
  comparePreparedFindingKeys,
  type PreparedFindingKey,
  preparedFindingKey,
} from '../discovery/preparedFindingKey';
import { type LoadedFinding, loadedFindingOf } from '../load/readLoadedFindings';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, selectFindingsPageSql } from '../snowflake/statements';
import { makePrivateTempDir, removeTempPath } from '../tempFiles/privateTempDirs';
import { LoadedEvidenceMismatchError } from './LoadedEvidenceMismatchError';

export interface StreamLoadedFindingsInput {
  readonly db: SnowflakeDatabase;
  readonly at: LoadLocation;
  /** The data map the request was discovered with: its tables and their primary keys. */
  readonly dataMap: DataMap;
  readonly requestId: string;
  /** The keyed subject hash recorded when the request was received. */
  readonly subjectHash: string;
  /** The note of values not followed, as the load recorded it in the ledger. */
  readonly notFollowed?: readonly NotFollowed[];
  /** The count of phone values that could not be parsed, as the load recorded it in the ledger. */
  readonly unparsedPhones?: readonly UnparsedPhones[];
  /** Rows per page read from `DSR_FINDINGS`. @default 5000 */
  readonly pageRows?: number;
  /** Bytes of one table's findings held before they are sorted and written out as a run. @default 16 MiB */
  readonly runBytes?: number;
  /** Where the private working directory is made. @default `os.tmpdir()` */
  readonly tempDir?: string;
}

/** A request's verified findings in a private file, as a source; remove the file with `dispose()`. */
export interface StreamedLoadedFindings extends FindingsSource {
  dispose(): Promise<void>;
}

/** The working directory's name before the owner's pid; registered, so a signal removes it. */
export const LOADED_FINDINGS_DIR_PREFIX = 'dsr-report-';

interface Pending {
  readonly prepared: PreparedFindingKey;
  /** The key's canonical JSON (`ROW_KEY`), kept with the line in a run so a merge need not parse rows. */
  readonly keyJson: string;
  readonly line: string;
}

/**
 * Reads a request's findings from `DSR_FINDINGS` in pages and verifies them before anything is
 * made of them: the same checks as `loadedFindingsDocument` (every table declared by the data map,
 * one stored evidence hash, and the recomputed hash equal to it), in bounded memory. The pages
 * come in the order of the table's key (system, table, row key as text); each table's findings are
 * put in canonical order (by primary key, as discovery sorted them) with an external merge sort:
 * up to `runBytes` of one table are held, sorted and, for a larger table, written out as sorted
 * runs that are merged. The canonical lines go to one private file while the evidence hash is
 * computed over them, so a mismatch throws {@link LoadedEvidenceMismatchError} before the caller
 * has written anything; the returned source reads that file (each `lines()` afresh). The file holds
 * the subject's rows: it is owner-only, registered with the process's temporary paths (removed on a
 * signal or a crash) and removed by `dispose()`, and on any failure here.
 */
export async function streamLoadedFindings(
  input: StreamLoadedFindingsInput,
): Promise<StreamedLoadedFindings> {
  const { dataMap, requestId } = input;
  const pageRows = input.pageRows ?? 5000;
  const runBytes = input.runBytes ?? 16 * 1024 * 1024;
  const tables = [
    ...dataMap.postgres.map((t) => ({ system: 'postgres', table: t.table, primaryKey: t.primaryKey })),
    ...dataMap.snowflake.map((t) => ({ system: 'snowflake', table: t.table, primaryKey: t.primaryKey })),
  ];
  const orderOf = new Map(
    tables.map((t) => [tableId(t.system, t.table), t.primaryKey.length > 0 ? t.primaryKey : KEYLESS_KEY]),
  );
  const dir = makePrivateTempDir(LOADED_FINDINGS_DIR_PREFIX, input.tempDir);
  const path = join(dir, 'findings.ndjson');
  const out = new LineWriter(path);
  const hasher = new EvidenceHasher();
  const rowsOf = new Map<string, number>();
  const stored = new Set<string>();
  const undeclared = new Set<string>();
  let runs: string[] = [];
  let buffer: Pending[] = [];
  let bufferBytes = 0;
  let current: { system: string; table: string; order: readonly string[] } | undefined;

  const emit = (line: string) => {
    out.write(line);
    hasher.add(line);
  };
  const spill = () => {
    const run = join(dir, `run-${runs.length}.ndjson`);
    const writer = new LineWriter(run);
    // Canonical JSON escapes every control character, so a tab separates the key from the line.
    for (const p of buffer.sort(byKey)) writer.write(`${p.keyJson}\t${p.line}`);
    writer.close();
    runs.push(run);
    buffer = [];
    bufferBytes = 0;
  };
  const finishTable = () => {
    if (!current) return;
    if (runs.length === 0) for (const p of buffer.sort(byKey)) emit(p.line);
    else {
      if (buffer.length > 0) spill();
      mergeRuns(runs, current.order, emit);
      for (const run of runs) rmSync(run, { force: true });
      runs = [];
    }
    buffer = [];
    bufferBytes = 0;
  };

  try {
    let after = ['', '', ''] as [string, string, string];
    for (;;) {
      const page = await input.db.query(selectFindingsPageSql(input.at, pageRows), [
        requestId,
        after[0],
        after[0],
        after[1],
        after[1],
        after[2],
      ]);
      for (const r of page) {
        const finding = loadedFindingOf(r);
        const id = tableId(finding.system, finding.table);
        const order = orderOf.get(id);
        if (!current || current.system !== finding.system || current.table !== finding.table) {
          finishTable();
          current = { system: finding.system, table: finding.table, order: order ?? [] };
        }
        stored.add(finding.evidenceHash);
        if (order === undefined) {
          undeclared.add(`${finding.system} ${finding.table}`);
          continue;
        }
        rowsOf.set(id, (rowsOf.get(id) ?? 0) + 1);
        const line = findingLine(finding);
        buffer.push({ prepared: preparedFindingKey(finding.key, order), keyJson: String(r.ROW_KEY), line });
        bufferBytes += line.length + 160;
        if (bufferBytes >= runBytes) spill();
      }
      const last = page.at(-1);
      if (!last || page.length < pageRows) break;
      after = [String(last.SYSTEM), String(last.TABLE_NAME), String(last.ROW_KEY)];
    }
    finishTable();
    out.close();

    if (undeclared.size > 0)
      throw new LoadedEvidenceMismatchError(
        `request ${requestId}: loaded rows belong to tables the data map does not declare (${[...undeclared].join(', ')}); use the data map the request was discovered with`,
      );
    if (stored.size > 1)
      throw new LoadedEvidenceMismatchError(
        `request ${requestId}: the loaded rows carry ${stored.size} different evidence hashes (${[...stored].join(', ')})`,
      );
    const evidenceHash = hasher.finish();
    const [expected] = stored;
    if (expected !== undefined && expected !== evidenceHash)
      throw new LoadedEvidenceMismatchError(
        `request ${requestId}: the evidence read back hashes to ${evidenceHash}, but ${expected} was loaded`,
      );
    const counts: Record<string, Record<string, number>> = {};
    for (const t of [...tables].sort(
      (a, b) => compareText(a.system, b.system) || compareText(a.table, b.table),
    )) {
      counts[t.system] ??= {};
      (counts[t.system] as Record<string, number>)[t.table] = rowsOf.get(tableId(t.system, t.table)) ?? 0;
    }
    const summary: FindingsSummary = {
      requestId,
      subject: { hash: input.subjectHash },
      counts,
      evidenceHash,
      rows: hasher.rows,
      ...(input.notFollowed?.length ? { notFollowed: input.notFollowed } : {}),
      ...(input.unparsedPhones?.length ? { unparsedPhones: input.unparsedPhones } : {}),
    };
    return {
      summary,
      lines: () => readFileLines(path),
      dispose: () => removeTempPath(dir),
    };
  } catch (error) {
    out.close();
    await removeTempPath(dir);
    throw error;
  }
}

/** A finding's canonical JSON, as `FindingsDocument` holds it (keys in canonical order). */
function findingLine(f: LoadedFinding): string {
  return canonicalJson({
    key: f.key,
    provenance: f.provenance,
    row: f.row,
    system: f.system,
    table: f.table,
  } as unknown as CanonicalValue);
}

function byKey(a: Pending, b: Pending): number {
  return comparePreparedFindingKeys(a.prepared, b.prepared);
}

/**
 * Merges sorted run files into `emit`, holding one line per run. Equal keys cannot occur (the
 * table's key is unique per request), so the order of runs does not matter.
 */
function mergeRuns(runs: readonly string[], order: readonly string[], emit: (line: string) => void): void {
  const heads = runs.map((run) => ({
    reader: new LineFileReader(run),
    head: undefined as Pending | undefined,
  }));
  const advance = (h: (typeof heads)[number]) => {
    const text = h.reader.next();
    if (text === undefined) {
      h.head = undefined;
      return;
    }
    const tab = text.indexOf('\t');
    const keyJson = text.slice(0, tab);
    h.head = {
      keyJson,
      line: text.slice(tab + 1),
      prepared: preparedFindingKey(parseExactJson(keyJson) as CanonicalObject, order),
    };
  };
  for (const h of heads) advance(h);
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const h of heads) if (h.head && (!best?.head || byKey(h.head, best.head) < 0)) best = h;
    if (!best?.head) return;
    emit(best.head.line);
    advance(best);
  }
}

/** Lines written to a file through a 1 MiB buffer, synchronously (no stream holds them). */
class LineWriter {
  private fd: number | undefined;
  private pending: string[] = [];
  private bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  write(line: string): void {
    this.pending.push(line, '\n');
    this.bytes += line.length + 1;
    if (this.bytes >= 1024 * 1024) this.flush();
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.bytes = 0;
  }
}

function tableId(system: string, table: string): string {
  return `${system}\u0000${table}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
