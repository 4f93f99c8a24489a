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
  /**
   * Records of a table arriving in order after which its run is written early (see
   * {@link ORDERED_RUN_ROWS}); `Infinity` holds every table until the budget is spent.
   * @default 1024
   */
  readonly orderedRunRows?: number;
}

/** Findings written to a file, with their summary; delete the file with `dispose()`. */
export interface SpilledFindings extends FindingsSource {
  /** The findings file: one canonical finding per line, in canonical order. */
  readonly path: string;
  /** Deletes the spill directory and the findings file; `lines()` fails afterwards. */
  dispose(): Promise<void>;
}

/**
 * A meeting of a row, with the row as its canonical JSON (a string as met, its UTF-8 bytes as read
 * back from a run) and its key prepared for sorting once.
 */
interface SpillRecord extends MetRecord<string | Uint8Array> {
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

/**
 * Records of a table that arrived in order after which its run is written and opened for appends,
 * before the memory budget is spent: a large table's rows are then held only briefly, which also
 * keeps V8 from taking them for long-lived objects and allocating their like in the old space.
 */
const ORDERED_RUN_ROWS = 1024;
/** Per-record overhead counted towards `runBytes` besides the JSON text (object, key, strings). */
const RECORD_OVERHEAD = 160;
/** Bytes of output collected before one write. */
const WRITE_BYTES = 1024 * 1024;
/** Bytes a run kept open for appending collects before one write (one such buffer per table). */
const RUN_WRITE_BYTES = 256 * 1024;
/** The key of a record read back where no comparison needs it (one run of a keyed table). */
const UNREAD_KEY: CanonicalObject = Object.freeze({}) as CanonicalObject;

interface TableSpill {
  readonly table: SearchableTable;
  readonly order: readonly string[];
  buffer: SpillRecord[];
  bytes: number;
  readonly runs: string[];
  /** Whether every record of `buffer` arrived in order (each sorts after the one before). */
  ordered: boolean;
  /**
   * The table's last run, still open: a row that sorts after its last record is appended to it
   * as it arrives, without being held. Keyset pages arrive in key order, so a large table's rows
   * after its first run mostly go straight to disk, and it ends as one run.
   */
  open?: { readonly writer: ChunkedWriter; last: SpillRecord };
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
  private readonly orderedRunRows: number;
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
    this.orderedRunRows = options.orderedRunRows ?? ORDERED_RUN_ROWS;
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
        ordered: true,
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
    const record: SpillRecord = {
      key: met.key,
      keyJson: met.keyJson,
      prepared: preparedFindingKey(met.key, spill.order),
      round: met.match.round,
      matchId: met.matchId,
      row,
    };
    const open = spill.open;
    if (open && spillOrder(open.last, record) <= 0) {
      this.writeRecord(open.writer, record);
      open.last = record;
      return;
    }
    const bytes = row.length + met.keyJson.length + RECORD_OVERHEAD;
    const previous = spill.buffer.at(-1);
    if (previous && spillOrder(previous, record) > 0) spill.ordered = false;
    spill.buffer.push(record);
    spill.bytes += bytes;
    this.bytes += bytes;
    if (this.bytes > this.runBytes) this.spillLargest();
    // A table whose rows keep arriving in order gets its run early: the rows after these go
    // straight to disk instead of being held until the budget is spent.
    else if (!open && spill.ordered && spill.buffer.length >= this.orderedRunRows) this.writeRun(spill);
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
    const hasher = new EvidenceHasher();
    const out = new FindingsWriter(path, hasher);
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
        const oneRun = spill && !holes ? this.oneRun(spill) : undefined;
        if (oneRun !== undefined) count = copyOneRun(oneRun, this.matchIds, out, suffix);
        for (const found of spill && oneRun === undefined ? this.collapsed(spill, holes) : []) {
          const provenance = found.matchIds.join(',');
          out.finding('{"key":', found.keyJson, ',"provenance":[', provenance, '],"row":', found.row, suffix);
          count++;
        }
        counts[table.system] ??= {};
        (counts[table.system] as Record<string, number>)[table.table] = count;
        unreadable.set(table, holes ? holes.resolve(tableUnreadable) : tableUnreadable);
      }
    } finally {
      out.close();
      for (const spill of this.tables.values()) this.closeRun(spill);
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
    for (const spill of this.tables.values()) this.closeRun(spill);
    await removeTempPath(this.dir);
  }

  /**
   * The path of a keyed table's only run, once what it still holds in memory is written out, when
   * that leaves one run (which is then in order: nothing to merge); else undefined.
   */
  private oneRun(spill: TableSpill): string | undefined {
    if (spill.runs.length === 0) return undefined;
    if (spill.buffer.length > 0) this.writeRun(spill);
    this.closeRun(spill);
    return spill.runs.length === 1 ? spill.runs[0] : undefined;
  }

  /**
   * A table's findings in key order, collapsed; from memory when it never spilled. A keyless
   * table's meetings (given `holes`, its unreadable ones) have their copies numbered first.
   */
  private collapsed(
    spill: TableSpill,
    holes: KeylessHoles | undefined,
  ): Iterable<CollapsedRow<string | Uint8Array>> {
    let records: Iterable<MetRecord<string | Uint8Array>>;
    if (spill.runs.length === 0) {
      records = spill.buffer.sort(spillOrder);
      spill.buffer = [];
    } else {
      if (spill.buffer.length > 0) this.writeRun(spill);
      this.closeRun(spill);
      // One run of a keyed table is read in its order: its keys are never compared.
      const compared = spill.runs.length > 1 || holes !== undefined;
      records = mergeRuns(spill.runs, spill.order, this.matchIds, compared);
    }
    return collapseMetRecords(holes ? numberKeylessCopies(records, holes) : records);
  }

  private spillLargest(): void {
    let largest: TableSpill | undefined;
    for (const spill of this.tables.values()) if (!largest || spill.bytes > largest.bytes) largest = spill;
    if (largest) this.writeRun(largest);
  }

  /**
   * Sorts the table's buffer and writes it out: appended to the open run when it sorts after that
   * run's last record, else as a new run, which stays open for the rows that follow it.
   */
  private writeRun(spill: TableSpill): void {
    const records = spill.buffer.sort(spillOrder);
    const first = records[0];
    const last = records.at(-1);
    if (!first || !last) return;
    if (!spill.open || spillOrder(spill.open.last, first) > 0) {
      this.closeRun(spill);
      const path = join(this.dir, `run-${this.runCount++}.tsv`);
      spill.open = { writer: new ChunkedWriter(path, RUN_WRITE_BYTES), last };
      spill.runs.push(path);
    }
    const open = spill.open;
    for (const r of records) this.writeRecord(open.writer, r);
    open.last = last;
    this.bytes -= spill.bytes;
    spill.buffer = [];
    spill.bytes = 0;
    spill.ordered = true;
  }

  private writeRecord(out: ChunkedWriter, r: SpillRecord): void {
    out.ascii(`${r.round}\t${this.matchIndex.get(r.matchId)}\t`);
    out.line(r.keyJson, '\t', r.row);
  }

  /** Writes out and closes the table's open run, if any. */
  private closeRun(spill: TableSpill): void {
    const open = spill.open;
    if (!open) return;
    spill.open = undefined;
    open.writer.close();
  }
}

/**
 * Appends lines to a new file (mode 0600), encoding them as UTF-8 straight into one reused buffer
 * of {@link WRITE_BYTES} (no joined string per write); a line longer than the buffer is written
 * on its own.
 */
class ChunkedWriter {
  private readonly fd: number;
  protected readonly buffer: Buffer;
  protected at = 0;

  constructor(
    path: string,
    protected readonly size: number = WRITE_BYTES,
  ) {
    this.fd = openSync(path, 'wx', 0o600);
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** Writes the pieces one after the other, then a line feed. */
  line(...pieces: (string | Uint8Array)[]): void {
    for (const piece of pieces) this.piece(piece);
    this.byte(0x0a);
  }

  /** Writes a short text of ASCII characters only (digits, tabs) byte by byte: no call into the encoder. */
  ascii(text: string): void {
    if (this.at + text.length > this.size) this.flush();
    for (let i = 0; i < text.length; i++) this.buffer[this.at++] = text.charCodeAt(i);
  }

  private byte(value: number): void {
    if (this.at + 1 > this.size) this.flush();
    this.buffer[this.at++] = value;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  private piece(text: string | Uint8Array): void {
    if (typeof text !== 'string') {
      if (this.at + text.length > this.size) {
        this.flush();
        if (text.length > this.size) {
          writeSync(this.fd, text);
          return;
        }
      }
      this.buffer.set(text, this.at);
      this.at += text.length;
      return;
    }
    if (text.length === 1 && text.charCodeAt(0) < 0x80) {
      this.byte(text.charCodeAt(0));
      return;
    }
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.at + text.length * 3 > this.size) {
      this.flush();
      if (text.length * 3 > this.size) {
        writeSync(this.fd, text);
        return;
      }
    }
    this.at += this.buffer.write(text, this.at);
  }

  /** Writes `text` straight to the file (after a flush: the buffer's bytes come first). */
  protected writeDirect(text: string): void {
    writeSync(this.fd, text);
  }

  protected flush(): void {
    let done = 0;
    while (done < this.at) done += writeSync(this.fd, this.buffer, done, this.at - done);
    this.at = 0;
  }
}

/**
 * The findings file: each line one finding, hashed as the evidence hash hashes it. Lines are
 * hashed a buffer at a time when the buffer is written: every line feed in the buffer ends a
 * finding (canonical JSON escapes line feeds inside strings), so turning them into commas gives
 * the findings joined by `,`, hashed in one call (`EvidenceHasher.addJoinedBytes`), and back into
 * line feeds before the write.
 */
class FindingsWriter extends ChunkedWriter {
  /** Where each finding in the buffer ends (its line feed), for the hash. */
  private ends = new Int32Array(8192);
  private rows = 0;
  /** Provenance arrays' bytes by match index (one match) or by joined indexes (several). */
  private readonly provenanceOfOne: Buffer[] = [];
  private readonly provenanceOfMany = new Map<string, Buffer>();

  constructor(
    path: string,
    private readonly hasher: EvidenceHasher,
  ) {
    super(path);
  }

  /** Writes one finding's pieces as a line. */
  finding(...pieces: (string | Uint8Array)[]): void {
    let most = 1;
    for (const piece of pieces) most += typeof piece === 'string' ? piece.length * 3 : piece.length;
    if (most > this.size) {
      this.long(pieces.map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('utf8'))).join(''));
      return;
    }
    if (this.at + most > this.size) this.flush();
    for (const piece of pieces) {
      if (typeof piece === 'string') this.at += this.buffer.write(piece, this.at);
      else {
        this.buffer.set(piece, this.at);
        this.at += piece.length;
      }
    }
    this.endFinding();
  }

  /**
   * Writes one finding from a run's line: `{"key":` key `,"provenance":[` the matches `],"row":` row
   * suffix, copying the key and the row from `line` as they are.
   */
  fromRun(
    line: Buffer,
    key: { start: number; end: number },
    row: { start: number; end: number },
    matches: readonly number[],
    matchIds: readonly string[],
    suffix: Buffer,
  ): void {
    const provenance = this.provenance(matches, matchIds);
    const length =
      KEY_OPEN.length +
      (key.end - key.start) +
      PROVENANCE_OPEN.length +
      provenance.length +
      ROW_OPEN.length +
      (row.end - row.start) +
      suffix.length +
      1;
    if (length > this.size) {
      this.long(
        `{"key":${line.toString('utf8', key.start, key.end)},"provenance":[${provenance.toString('utf8')}],"row":${line.toString('utf8', row.start, row.end)}${suffix.toString('utf8')}`,
      );
      return;
    }
    if (this.at + length > this.size) this.flush();
    const b = this.buffer;
    this.at += KEY_OPEN.copy(b, this.at);
    this.at += line.copy(b, this.at, key.start, key.end);
    this.at += PROVENANCE_OPEN.copy(b, this.at);
    this.at += provenance.copy(b, this.at);
    this.at += ROW_OPEN.copy(b, this.at);
    this.at += line.copy(b, this.at, row.start, row.end);
    this.at += suffix.copy(b, this.at);
    this.endFinding();
  }

  protected override flush(): void {
    if (this.rows > 0) {
      const b = this.buffer;
      const ends = this.ends;
      const rows = this.rows;
      for (let i = 0; i < rows; i++) b[ends[i] as number] = COMMA;
      this.hasher.addJoinedBytes(b.subarray(0, ends[rows - 1]), rows);
      for (let i = 0; i < rows; i++) b[ends[i] as number] = LINE_FEED;
      this.rows = 0;
    }
    super.flush();
  }

  /** A finding longer than the buffer: written and hashed on its own, after what the buffer holds. */
  private long(text: string): void {
    this.flush();
    this.hasher.add(text);
    this.writeDirect(`${text}\n`);
  }

  private endFinding(): void {
    if (this.rows === this.ends.length) {
      const ends = new Int32Array(2 * this.ends.length);
      ends.set(this.ends);
      this.ends = ends;
    }
    this.ends[this.rows++] = this.at;
    this.buffer[this.at++] = LINE_FEED;
  }

  private provenance(matches: readonly number[], matchIds: readonly string[]): Buffer {
    if (matches.length === 1) {
      const index = matches[0] as number;
      let bytes = this.provenanceOfOne[index];
      if (!bytes) {
        bytes = Buffer.from(matchIds[index] as string);
        this.provenanceOfOne[index] = bytes;
      }
      return bytes;
    }
    const joined = matches.join(',');
    let bytes = this.provenanceOfMany.get(joined);
    if (!bytes) {
      bytes = Buffer.from(matches.map((m) => matchIds[m]).join(','));
      this.provenanceOfMany.set(joined, bytes);
    }
    return bytes;
  }
}

const KEY_OPEN = Buffer.from('{"key":');
const PROVENANCE_OPEN = Buffer.from(',"provenance":[');
const ROW_OPEN = Buffer.from('],"row":');
const COMMA = 0x2c;
const LINE_FEED = 0x0a;

/**
 * Writes a keyed table's findings from its one run (in key order, so a row's meetings are
 * adjacent, its first round first) straight from the run's bytes: the collapse of
 * `collapseMetRecords` (a row's matches of its first round, each once) without a record, key or
 * string per line. Returns the number of findings.
 */
function copyOneRun(path: string, matchIds: readonly string[], out: FindingsWriter, suffix: string): number {
  const suffixBytes = Buffer.from(suffix);
  const reader = new LineFileReader(path);
  let count = 0;
  // The finding being collapsed: the line of its first meeting, its key and row there, its round
  // and the matches of that round.
  let line: Buffer | undefined;
  const key = { start: 0, end: 0 };
  const row = { start: 0, end: 0 };
  let round = 0;
  const matches: number[] = [];
  try {
    while (reader.nextInPlace()) {
      const bytes = reader.line;
      const a = bytes.indexOf(TAB, reader.start);
      const b = bytes.indexOf(TAB, a + 1);
      const c = bytes.indexOf(TAB, b + 1);
      const metRound = asciiNumber(bytes, reader.start, a);
      const match = asciiNumber(bytes, a + 1, b);
      if (
        line !== undefined &&
        c - (b + 1) === key.end - key.start &&
        line.compare(bytes, b + 1, c, key.start, key.end) === 0
      ) {
        if (metRound === round && matches.at(-1) !== match) matches.push(match);
        continue;
      }
      if (line !== undefined) {
        out.fromRun(line, key, row, matches, matchIds, suffixBytes);
        count++;
      }
      line = bytes;
      key.start = b + 1;
      key.end = c;
      row.start = c + 1;
      row.end = reader.end;
      round = metRound;
      // Emptied by popping, which keeps the array's storage (`length = 0` gives it up).
      while (matches.length > 0) matches.pop();
      matches.push(match);
    }
    if (line !== undefined) {
      out.fromRun(line, key, row, matches, matchIds, suffixBytes);
      count++;
    }
  } finally {
    reader.close();
  }
  return count;
}

/** Reads one run back, a record at a time. */
class RunReader {
  private readonly lines: LineFileReader;
  head: SpillRecord | undefined;

  constructor(
    path: string,
    private readonly order: readonly string[],
    private readonly matchIds: readonly string[],
    /** Whether records are compared (several runs, or keyless meetings): else keys are not parsed. */
    private readonly compared: boolean,
  ) {
    this.lines = new LineFileReader(path);
    this.advance();
  }

  /** Reads the next record; its row stays bytes (it is copied into the findings as it is). */
  advance(): void {
    const line = this.lines.nextBytes();
    if (line === undefined) {
      this.head = undefined;
      return;
    }
    const a = line.indexOf(TAB);
    const b = line.indexOf(TAB, a + 1);
    const c = line.indexOf(TAB, b + 1);
    const keyJson = line.toString('utf8', b + 1, c);
    const key = this.compared ? parseKey(keyJson) : UNREAD_KEY;
    this.head = {
      round: asciiNumber(line, 0, a),
      matchId: this.matchIds[asciiNumber(line, a + 1, b)] as string,
      keyJson,
      key,
      prepared: this.compared ? preparedFindingKey(key, this.order) : [],
      row: line.subarray(c + 1),
    };
  }
}

const TAB = 0x09;

/** The non-negative integer written in decimal digits at `bytes[start, end)`. */
function asciiNumber(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + ((bytes[i] as number) - 0x30);
  return n;
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
  compared: boolean,
): Generator<SpillRecord> {
  const heap = paths
    .map((p) => new RunReader(p, order, matchIds, compared))
    .filter((r) => r.head !== undefined);
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
