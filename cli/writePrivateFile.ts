import { mkdir, open } from 'node:fs/promises';

/**
 * Writes a file that holds personal data (findings, access reports) readable by its owner only
 * (0600), whatever the umask. An existing file is truncated and its mode narrowed too: `open`'s
 * mode applies only to a file it creates. `data` may be a stream of chunks, written as they come.
 */
export async function writePrivateFile(
  path: string,
  data: string | AsyncIterable<string | Uint8Array>,
): Promise<void> {
  const file = await open(path, 'w', 0o600);
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
}

/** Creates a directory for such files, owner-only (0700) when this call creates it. */
export async function makePrivateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}
