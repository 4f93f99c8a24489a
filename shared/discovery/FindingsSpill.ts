import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalObject } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { parseExactJson } from '../canonical/parseExactJson';
import { makePrivateTempDir, removeTempPath } from '../tempFiles/privateTempDirs';
import { type CollapsedRow, collapseMetRecords, type MetRecord } from './collapseMetRecords';
import { EvidenceHasher } from './EvidenceHasher';
import { sortUnreadable } from './FindingsDocument';
import type { FindingsSource, FindingsSummary } from './FindingsStream';
import { KeylessHoles } from './KeylessHoles';
import { KEYLESS_MEETING_KEY } from './keylessRowKeys';
import { LineFileReader, readFileLines } from './LineFileReader';
import type { MetRow, MetRowSink } from './MetRow';
import type { NotFollowed, UnparsedPhones } from './NotFollowed';
import { numberKeylessCopies } from './numberKeylessCopies';
import {
  comparePreparedFindingKeys,
  type PreparedFindingKey,
  preparedFindingKey,
} from './preparedFindingKey';
import type { SearchableTable, UnreadableRow } from './SearchableTable';

export interface FindingsSpillOptions {
  /** Where the spill directory is made. @default `os.tmpdir()` (`/tmp` in Lambda) */
  readonly tempDir?: string;
  /**
   * Bytes of met rows (their canonical JSON) held in memory across all tables before the largest
   * table's are sorted and written out as one sorted run. @default 16 MiB
   */
  readonly runBytes?: number;
}

/** Findings written to a file, with their summary; delete the file with `dispose()`. */
export interface SpilledFindings extends FindingsSource {
  /** The findings file: one canonical finding per line, in canonical order. */
  readonly path: string;
  /** Deletes the spill directory and the findings file; `lines()` fails afterwards. */
  dispose(): Promise<void>;
}

/** A meeting of a row, with the row as its canonical JSON and its key prepared for sorting once. */
interface SpillRecord extends MetRecord<string> {
  readonly prepared: PreparedFindingKey;
}

/**
 * `metRecordOrder` over spill records: by key (compared through the keys prepared when the record
 * was made), then the key's JSON, round and match id.
 */
function spillOrder(a: SpillRecord, b: SpillRecord): number {
  return (
    comparePreparedFindingKeys(a.prepared, b.prepared) ||
    compareText(a.keyJson, b.keyJson) ||
    a.round - b.round ||
    compareText(a.matchId, b.matchId)
  );
}

/**
 * The spill directory's name before the owner's pid (`dsr-findings-<pid>-XXXXXX`): a directory
 * (0700) registered with `privateTempDirs`, so a signal or an uncaught error removes it.
 */
export const SPILL_DIR_PREFIX = 'dsr-findings-';

/** Per-record overhead counted towards `runBytes` besides the JSON text (object, key, strings). */
const RECORD_OVERHEAD = 160;
/** Bytes of output collected before one write. */
const WRITE_BYTES = 1024 * 1024;

interface TableSpill {
  readonly table: SearchableTable;
  readonly order: readonly string[];
  buffer: SpillRecord[];
  bytes: number;
  readonly runs: string[];
}

/**
 * A {@link MetRowSink} that keeps no row in memory beyond a bounded buffer: rows met by the
 * traversal are held (as canonical JSON) until `runBytes` is reached, then the largest table's
 * buffer is sorted by {@link metRecordOrder} and written to a run file in a temporary directory
 * (`<tmp>/dsr-findings-<pid>-XXXXXX/`, registered for removal on any exit). `finish` merges each table's runs (a k-way merge over a binary
 * heap, one line per run in memory), collapses the meetings of each row (its first round's matches
 * are its provenance), and writes the findings, tables by system then table, rows by key, to one
 * file while {@link EvidenceHasher} hashes them: the bytes and the hash are those of
 * `buildFindingsDocument` for the same rows, however the rows were split into runs.
 *
 * A keyless table's rows are held and sorted by meeting (`{ _row, _search, _seq }`, see
 * `keylessRowKeys`), so identical copies meet in the merge, where `numberKeylessCopies` numbers them:
 * nothing counts copies in memory while the searches run.
 *
 * Run lines are `round \t match index \t key JSON \t row JSON`: canonical JSON escapes tabs and
 * line feeds inside strings, so the separators are unambiguous. Writes are synchronous: `met` is
 * called from a searcher's page callback, and the search waits while a run is written.
 */
export class FindingsSpill implements MetRowSink {
  private readonly dir: string;
  private readonly runBytes: number;
  private readonly tables = new Map<SearchableTable, TableSpill>();
  private readonly matchIds: string[] = [];
  private readonly matchIndex = new Map<string, number>();
  private bytes = 0;
  private runCount = 0;
  private finished = false;
  /** Rows are kept as their canonical JSON only: searchers may write it (see `MetRowSink`). */
  readonly rowsAsJson = true;

  constructor(options: FindingsSpillOptions = {}) {
    this.runBytes = options.runBytes ?? 16 * 1024 * 1024;
    this.dir = makePrivateTempDir(SPILL_DIR_PREFIX, options.tempDir);
  }

  /** Runs written so far (all tables). */
  get runsWritten(): number {
    return this.runCount;
  }

  met(table: SearchableTable, met: MetRow): void {
    if (this.finished) throw new Error('FindingsSpill: met after finish');
    let spill = this.tables.get(table);
    if (!spill) {
      spill = {
        table,
        order: table.primaryKey.length > 0 ? table.primaryKey : KEYLESS_MEETING_KEY,
        buffer: [],
        bytes: 0,
        runs: [],
      };
      this.tables.set(table, spill);
    }
    let index = this.matchIndex.get(met.matchId);
    if (index === undefined) {
      index = this.matchIds.length;
      this.matchIds.push(met.matchId);
      this.matchIndex.set(met.matchId, index);
    }
    const row = met.rowJson ?? canonicalJson(met.row);
    const bytes = row.length + met.keyJson.length + RECORD_OVERHEAD;
    spill.buffer.push({
      key: met.key,
      keyJson: met.keyJson,
      prepared: preparedFindingKey(met.key, spill.order),
      round: met.match.round,
      matchId: met.matchId,
      row,
    });
    spill.bytes += bytes;
    this.bytes += bytes;
    if (this.bytes > this.runBytes) this.spillLargest();
  }

  /**
   * Merges what was met into the findings file and summarises it. `tables` are every table searched
   * (a table without rows counts 0); `unreadable` holds each table's unreadable rows by key, a
   * keyless table's by meeting (keyed here, as its copies are numbered).
   */
  finish(input: {
    requestId: string;
    subjectHash: string;
    tables: readonly SearchableTable[];
    unreadable: ReadonlyMap<SearchableTable, ReadonlyMap<string, UnreadableRow>>;
    notFollowed?: readonly NotFollowed[];
    unparsedPhones?: readonly UnparsedPhones[];
  }): SpilledFindings {
    if (this.finished) throw new Error('FindingsSpill: finished twice');
    this.finished = true;
    const path = join(this.dir, 'findings.ndjson');
    const out = new ChunkedWriter(path);
    const hasher = new EvidenceHasher();
    const counts: Record<string, Record<string, number>> = {};
    const ordered = [...input.tables].sort(
      (a, b) => compareText(a.system, b.system) || compareText(a.table, b.table),
    );
    const unreadable = new Map<SearchableTable, UnreadableRow[]>();
    try {
      for (const table of ordered) {
        const spill = this.tables.get(table);
        const suffix = `,"system":${JSON.stringify(table.system)},"table":${JSON.stringify(table.table)}}`;
        const tableUnreadable = [...(input.unreadable.get(table)?.values() ?? [])];
        const holes = table.primaryKey.length === 0 ? new KeylessHoles(tableUnreadable) : undefined;
        let count = 0;
        for (const found of spill ? this.collapsed(spill, holes) : []) {
          const provenance = found.matchIds.join(',');
          const line = `{"key":${found.keyJson},"provenance":[${provenance}],"row":${found.row}${suffix}`;
          hasher.add(line);
          out.line(line);
          count++;
        }
        counts[table.system] ??= {};
        (counts[table.system] as Record<string, number>)[table.table] = count;
        unreadable.set(table, holes ? holes.resolve(tableUnreadable) : tableUnreadable);
      }
    } finally {
      out.close();
    }
    const unreadableRows = sortUnreadable(
      input.tables.map((t) => ({
        system: t.system,
        table: t.table,
        primaryKey: t.primaryKey,
        unreadable: unreadable.get(t) ?? [...(input.unreadable.get(t)?.values() ?? [])],
      })),
    );
    const summary: FindingsSummary = {
      requestId: input.requestId,
      subject: { hash: input.subjectHash },
      counts,
      evidenceHash: hasher.finish(),
      rows: hasher.rows,
      ...(unreadableRows.length > 0 ? { unreadable: unreadableRows } : {}),
      ...(input.notFollowed?.length ? { notFollowed: input.notFollowed } : {}),
      ...(input.unparsedPhones?.length ? { unparsedPhones: input.unparsedPhones } : {}),
    };
    const dir = this.dir;
    return {
      summary,
      path,
      lines: () => readFileLines(path),
      dispose: () => removeTempPath(dir),
    };
  }

  /** Deletes the spill directory (after a failure; `SpilledFindings.dispose` after success). */
  async discard(): Promise<void> {
    this.finished = true;
    await removeTempPath(this.dir);
  }

  /**
   * A table's findings in key order, collapsed; from memory when it never spilled. A keyless
   * table's meetings (given `holes`, its unreadable ones) have their copies numbered first.
   */
  private collapsed(spill: TableSpill, holes: KeylessHoles | undefined): Iterable<CollapsedRow<string>> {
    let records: Iterable<MetRecord<string>>;
    if (spill.runs.length === 0) {
      records = spill.buffer.sort(spillOrder);
      spill.buffer = [];
    } else {
      if (spill.buffer.length > 0) this.writeRun(spill);
      records = mergeRuns(spill.runs, spill.order, this.matchIds);
    }
    return collapseMetRecords(holes ? numberKeylessCopies(records, holes) : records);
  }

  private spillLargest(): void {
    let largest: TableSpill | undefined;
    for (const spill of this.tables.values()) if (!largest || spill.bytes > largest.bytes) largest = spill;
    if (largest) this.writeRun(largest);
  }

  private writeRun(spill: TableSpill): void {
    const records = spill.buffer.sort(spillOrder);
    const path = join(this.dir, `run-${this.runCount++}.tsv`);
    const out = new ChunkedWriter(path);
    try {
      for (const r of records) {
        out.ascii(`${r.round}\t${this.matchIndex.get(r.matchId)}\t`);
        out.line(r.keyJson, '\t', r.row);
      }
    } finally {
      out.close();
    }
    spill.runs.push(path);
    this.bytes -= spill.bytes;
    spill.buffer = [];
    spill.bytes = 0;
  }
}

/**
 * Appends lines to a new file (mode 0600), encoding them as UTF-8 straight into one reused buffer
 * of {@link WRITE_BYTES} (no joined string per write); a line longer than the buffer is written
 * on its own.
 */
class ChunkedWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(WRITE_BYTES);
  private at = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  /** Writes the pieces one after the other, then a line feed. */
  line(...pieces: string[]): void {
    for (const piece of pieces) this.piece(piece);
    this.byte(0x0a);
  }

  /** Writes a short text of ASCII characters only (digits, tabs) byte by byte: no call into the encoder. */
  ascii(text: string): void {
    if (this.at + text.length > WRITE_BYTES) this.flush();
    for (let i = 0; i < text.length; i++) this.buffer[this.at++] = text.charCodeAt(i);
  }

  private byte(value: number): void {
    if (this.at + 1 > WRITE_BYTES) this.flush();
    this.buffer[this.at++] = value;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  private piece(text: string): void {
    if (text.length === 1 && text.charCodeAt(0) < 0x80) {
      this.byte(text.charCodeAt(0));
      return;
    }
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.at + text.length * 3 > WRITE_BYTES) {
      this.flush();
      if (text.length * 3 > WRITE_BYTES) {
        writeSync(this.fd, text);
        return;
      }
    }
    this.at += this.buffer.write(text, this.at);
  }

  private flush(): void {
    let done = 0;
    while (done < this.at) done += writeSync(this.fd, this.buffer, done, this.at - done);
    this.at = 0;
  }
}

/** Reads one run back, a record at a time. */
class RunReader {
  private readonly lines: LineFileReader;
  head: SpillRecord | undefined;

  constructor(
    path: string,
    private readonly order: readonly string[],
    private readonly matchIds: readonly string[],
  ) {
    this.lines = new LineFileReader(path);
    this.advance();
  }

  advance(): void {
    const line = this.lines.next();
    if (line === undefined) {
      this.head = undefined;
      return;
    }
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    const c = line.indexOf('\t', b + 1);
    const keyJson = line.slice(b + 1, c);
    const key = parseKey(keyJson);
    this.head = {
      round: Number(line.slice(0, a)),
      matchId: this.matchIds[Number(line.slice(a + 1, b))] as string,
      keyJson,
      key,
      prepared: preparedFindingKey(key, this.order),
      row: line.slice(c + 1),
    };
  }
}

/**
 * A key read back from its canonical JSON. Keys are flat (column → scalar): `JSON.parse` gives the
 * same values back (strings, and numbers written from doubles). A key holding a structure (a
 * `jsonb` primary key) is parsed exactly, so its numbers keep their digits for ordering.
 */
function parseKey(json: string): CanonicalObject {
  const key = JSON.parse(json) as CanonicalObject;
  for (const value of Object.values(key))
    if (value !== null && typeof value === 'object') return parseExactJson(json) as CanonicalObject;
  return key;
}

/** K-way merge of sorted runs with a binary min-heap of their heads. */
function* mergeRuns(
  paths: readonly string[],
  order: readonly string[],
  matchIds: readonly string[],
): Generator<SpillRecord> {
  const heap = paths.map((p) => new RunReader(p, order, matchIds)).filter((r) => r.head !== undefined);
  const less = (i: number, j: number) =>
    spillOrder((heap[i] as RunReader).head as SpillRecord, (heap[j] as RunReader).head as SpillRecord) < 0;
  const swap = (i: number, j: number) => {
    const t = heap[i] as RunReader;
    heap[i] = heap[j] as RunReader;
    heap[j] = t;
  };
  const down = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(i);
  while (heap.length > 0) {
    const top = heap[0] as RunReader;
    yield top.head as SpillRecord;
    top.advance();
    if (top.head === undefined) {
      const last = heap.pop() as RunReader;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    down(0);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
