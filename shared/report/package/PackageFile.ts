import { createHash, type Hash } from 'node:crypto';
import { DirectoryPackageSink } from './DirectoryPackageSink';
import type { PackageSink, PackageSinkFile } from './PackageSink';

/** Text gathered before it is handed to the file: fewer, larger writes. */
const BUFFER_CHARS = 256 * 1024;

/** A file of the package as the manifest lists it. */
export interface PackagedFile {
  /** Relative to the package's folder, with `/`. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Where a package is written: a folder, or any {@link PackageSink} (the payload bucket). */
export type PackageDestination = { readonly dir: string } | { readonly sink: PackageSink };

/** The sink a destination names. */
export function sinkOf(destination: PackageDestination): PackageSink {
  return 'sink' in destination ? destination.sink : new DirectoryPackageSink(destination.dir);
}

/**
 * One file of a package, written as a stream to its sink and hashed as it is written, so a file of
 * any size costs a buffer, not its length. `write` waits when the destination is behind.
 */
export class PackageFile {
  private readonly out: PackageSinkFile;
  private readonly hash: Hash = createHash('sha256');
  private pending: string[] = [];
  private pendingChars = 0;
  private bytes = 0;

  constructor(
    sink: PackageSink,
    /** The path the manifest names it by. */
    readonly path: string,
  ) {
    this.out = sink.open(path);
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= BUFFER_CHARS) await this.flush();
  }

  /** Writes the whole of a small file at once. */
  static async write(sink: PackageSink, path: string, text: string): Promise<PackagedFile> {
    const file = new PackageFile(sink, path);
    try {
      await file.write(text);
      return await file.close();
    } catch (error) {
      await file.abort().catch(() => undefined);
      throw error;
    }
  }

  /** Writes what is buffered, closes the file and returns what the manifest records. */
  async close(): Promise<PackagedFile> {
    await this.flush();
    await this.out.close();
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    await this.out.write(chunk);
  }

  /** Gives the file up after a failure elsewhere. */
  async abort(): Promise<void> {
    this.pending = [];
    await this.out.abort();
  }
}
