import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageSink, PackageSinkFile } from './PackageSink';

/** A package written into a folder: files owner-only (0600), the folder 0700. */
export class DirectoryPackageSink implements PackageSink {
  constructor(readonly location: string) {}

  async prepare(folders: readonly string[]): Promise<void> {
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    // A package written again replaces the data files of the last one (their names may differ).
    await rm(join(this.location, 'data'), { recursive: true, force: true });
    for (const folder of folders) await mkdir(join(this.location, folder), { mode: 0o700 });
  }

  open(path: string): PackageSinkFile {
    const stream = createWriteStream(join(this.location, path), { mode: 0o600, flags: 'w' });
    stream.on('error', () => {}); // reported by the awaited write or close
    return {
      async write(chunk) {
        if (stream.errored) throw stream.errored;
        // `once` rejects when the stream errs while it waits.
        if (!stream.write(chunk)) await once(stream, 'drain');
      },
      async close() {
        stream.end();
        await once(stream, 'close');
        if (stream.errored) throw stream.errored;
      },
      async abort() {
        if (!stream.closed) {
          stream.end();
          await once(stream, 'close').catch(() => undefined);
        }
      },
    };
  }

  async discard(paths: readonly string[]): Promise<void> {
    await rm(join(this.location, 'data'), { recursive: true, force: true });
    await Promise.all(paths.map((p) => rm(join(this.location, p), { force: true })));
  }
}
