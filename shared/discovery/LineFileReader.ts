import { closeSync, openSync, readSync } from 'node:fs';

/** Bytes read from the file at a time. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Reads a file of `\n`-terminated UTF-8 lines one line at a time, synchronously, holding one chunk
 * (256 KiB) and the line being assembled: a file of any size costs the length of its longest line.
 * Lines are split on the byte 0x0A, which never occurs inside a multi-byte UTF-8 sequence, so a
 * chunk boundary cannot split a character wrongly. Canonical JSON escapes every line feed inside
 * strings, so one canonical value is always one line.
 */
export class LineFileReader {
  private fd: number | undefined;
  private chunk = Buffer.alloc(0);
  private at = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  /**
   * The next line's bytes without its `\n`, or undefined at the end (the file is then closed). The
   * bytes stay valid after later reads: each chunk is read into a new buffer, never into one a
   * line handed out may still view.
   */
  nextBytes(): Buffer | undefined {
    let pieces: Buffer[] | undefined;
    for (;;) {
      if (this.at >= this.chunk.length && !this.fill(true)) {
        if (!pieces) return undefined;
        return Buffer.concat(pieces);
      }
      const end = this.chunk.indexOf(10, this.at);
      if (end >= 0) {
        const start = this.at;
        this.at = end + 1;
        if (!pieces) return this.chunk.subarray(start, end);
        pieces.push(this.chunk.subarray(start, end));
        return Buffer.concat(pieces);
      }
      pieces ??= [];
      pieces.push(this.chunk.subarray(this.at));
      this.at = this.chunk.length;
    }
  }

  /** The buffer that holds the line {@link nextInPlace} found, from `start` to `end` (its `\n`). */
  line: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;

  /**
   * Finds the next line without a Buffer view of it: `line`, `start` and `end` say where it is.
   * False at the end (the file is then closed). Like {@link nextBytes}, a line's bytes stay valid
   * after later reads.
   */
  nextInPlace(): boolean {
    if (this.at < this.chunk.length) {
      const end = this.chunk.indexOf(10, this.at);
      if (end >= 0) {
        this.line = this.chunk;
        this.start = this.at;
        this.end = end;
        this.at = end + 1;
        return true;
      }
    }
    const bytes = this.nextBytes();
    if (bytes === undefined) return false;
    this.line = bytes;
    this.start = 0;
    this.end = bytes.length;
    return true;
  }

  /** The next line without its `\n`, or undefined at the end (the file is then closed). */
  next(): string | undefined {
    let pieces: Buffer[] | undefined;
    for (;;) {
      if (this.at >= this.chunk.length && !this.fill()) {
        if (!pieces) return undefined;
        return Buffer.concat(pieces).toString('utf8');
      }
      const end = this.chunk.indexOf(10, this.at);
      if (end >= 0) {
        const start = this.at;
        this.at = end + 1;
        // Decoded in place, without a Buffer view per line.
        if (!pieces) return this.chunk.toString('utf8', start, end);
        pieces.push(this.chunk.subarray(start, end));
        return Buffer.concat(pieces).toString('utf8');
      }
      // No line end in this chunk: keep a copy (the chunk buffer is reused) and read on.
      pieces ??= [];
      pieces.push(Buffer.from(this.chunk.subarray(this.at)));
      this.at = this.chunk.length;
    }
  }

  /** Closes the file early (reading to the end closes it too). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private fill(fresh = false): boolean {
    if (this.fd === undefined) return false;
    const buffer = !fresh && this.chunk.length === CHUNK_BYTES ? this.chunk : Buffer.allocUnsafe(CHUNK_BYTES);
    const read = readSync(this.fd, buffer, 0, CHUNK_BYTES, null);
    if (read === 0) {
      this.close();
      return false;
    }
    this.chunk = read === CHUNK_BYTES ? buffer : buffer.subarray(0, read);
    this.at = 0;
    return true;
  }
}

/** The lines of a file as an async iterable, each iteration reading the file afresh. */
export async function* readFileLines(path: string): AsyncGenerator<string> {
  const reader = new LineFileReader(path);
  try {
    for (let line = reader.next(); line !== undefined; line = reader.next()) yield line;
  } finally {
    reader.close();
  }
}
