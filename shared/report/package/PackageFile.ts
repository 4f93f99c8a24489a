import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/** Text gathered before it is handed to the file: fewer, larger writes. */
const BUFFER_CHARS = 256 * 1024;

/** A file of the package as the manifest lists it. */
export interface PackagedFile {
  /** Relative to the package's folder, with `/`. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * One file of a package, written as a stream, owner-only (0600), and hashed as it is written, so a
 * file of any size costs a buffer, not its length. `write` waits when the disk is behind.
 */
export class PackageFile {
  private readonly stream: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private pending: string[] = [];
  private pendingChars = 0;
  private bytes = 0;

  constructor(
    absolutePath: string,
    /** The path the manifest names it by. */
    readonly path: string,
  ) {
    this.stream = createWriteStream(absolutePath, { mode: 0o600, flags: 'w' });
    this.stream.on('error', () => {}); // reported by the awaited write or close
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= BUFFER_CHARS) await this.flush();
  }

  /** Writes what is buffered, closes the file and returns what the manifest records. */
  async close(): Promise<PackagedFile> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'close');
    if (this.stream.errored) throw this.stream.errored;
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.stream.errored) throw this.stream.errored;
    // `once` rejects when the stream errs while it waits.
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}
