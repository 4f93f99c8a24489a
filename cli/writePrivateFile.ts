import { mkdir, open, rename, rm } from 'node:fs/promises';
import { forgetTempPath, registerTempPath } from '../shared/tempFiles/privateTempDirs';

/**
 * Writes a file that holds personal data (findings, access reports) readable by its owner only
 * (0600), whatever the umask. The bytes go to `<path>.partial-<pid>` first, registered as a
 * temporary file (a signal or an uncaught error removes it), and the finished file is renamed
 * into place: an interrupted write leaves neither half a file nor the one it would have replaced
 * half overwritten. `data` may be a stream of chunks, written as they come.
 */
export async function writePrivateFile(
  path: string,
  data: string | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const partial = `${path}.partial-${process.pid}`;
  registerTempPath(partial);
  try {
    const file = await open(partial, 'w', 0o600);
    try {
      await file.chmod(0o600);
      if (typeof data === 'string') await file.writeFile(data);
      else
        for await (const chunk of data)
          if (typeof chunk === 'string') await file.write(chunk);
          else await file.write(chunk);
    } finally {
      await file.close();
    }
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    forgetTempPath(partial);
  }
}

/** Creates a directory for such files, owner-only (0700) when this call creates it. */
export async function makePrivateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}
