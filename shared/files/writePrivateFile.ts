import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputPathError } from '../errors/errors';
import { forgetTempPath, registerTempPath } from '../tempFiles/privateTempDirs';

/**
 * Writes a file that holds personal data (findings, access reports, erasure receipts) readable by
 * its owner only (0600), whatever the umask: into a new file created beside the target (`O_EXCL`,
 * mode 0600, registered as a temporary file, so a signal or an uncaught error removes it), flushed,
 * then renamed over it, so a reader never sees half a file and a crash leaves the previous one whole. An existing target that is not a regular file — a device such as
 * `/dev/null`, a FIFO, a socket, a directory, or a symbolic link to one — is refused (exit 2) and
 * left exactly as it is: never opened, truncated or chmod'ed. A symbolic link to a regular file is
 * replaced by the new file (the file it pointed to is not changed). `data` may be a stream of
 * chunks, written as they come.
 */
export async function writePrivateFile(
  path: string,
  data: string | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  await refuseNonRegular(path);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  registerTempPath(temporary);
  const file = await open(temporary, 'wx', 0o600).catch((error: unknown) => {
    forgetTempPath(temporary);
    throw error;
  });
  let renamed = false;
  try {
    // `open`'s mode passes through the umask; 0600 is set explicitly.
    await file.chmod(0o600);
    if (typeof data === 'string') await file.writeFile(data);
    else
      for await (const chunk of data)
        if (typeof chunk === 'string') await file.write(chunk);
        else await file.write(chunk);
    await file.sync();
    await file.close();
    await refuseNonRegular(path);
    await rename(temporary, path);
    renamed = true;
  } finally {
    if (!renamed) {
      await file.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
    }
    forgetTempPath(temporary);
  }
}

/**
 * Throws an {@link OutputPathError} (the command line's usage error, exit 2) when `path` exists and is not a regular file (links followed).
 * A command checks its output paths with this before it changes anything.
 */
export async function refuseNonRegular(path: string): Promise<void> {
  const link = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    // ENOTDIR: a part of the path is a file, so there is no such path.
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (!link) {
    // A new path: its folder must be there to hold it (and the new file made beside it).
    const folder = dirname(path);
    const info = await stat(folder).catch(() => undefined);
    if (!info?.isDirectory())
      throw new OutputPathError(
        `${path} cannot be written: its folder ${folder} ${info ? 'is not a directory' : 'does not exist'}; create it first, or write elsewhere`,
      );
    return;
  }
  const target = link.isSymbolicLink()
    ? await stat(path).catch((error: NodeJS.ErrnoException) => {
        // A dangling link: replacing it writes no file it pointed to.
        if (error.code === 'ENOENT') return undefined;
        throw error;
      })
    : link;
  if (!target || target.isFile()) return;
  const kind = target.isDirectory()
    ? 'a directory'
    : target.isFIFO()
      ? 'a FIFO'
      : target.isCharacterDevice() || target.isBlockDevice()
        ? 'a device'
        : target.isSocket()
          ? 'a socket'
          : 'not a regular file';
  throw new OutputPathError(
    `${path} is ${link.isSymbolicLink() ? `a symbolic link to ${kind}` : kind}: output is written only to a regular file (or a new path); it was left as it is`,
  );
}

/** Creates a directory for such files, owner-only (0700) when this call creates it. */
export async function makePrivateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}
