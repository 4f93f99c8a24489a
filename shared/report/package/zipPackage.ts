import { join } from 'node:path';
import yazl from 'yazl';
import { writePrivateFile } from '../../files/writePrivateFile';
import type { PackagedFile } from './PackageFile';

/**
 * One fixed date for every entry, 1980-01-01 12:00 in the local time zone zip's DOS date fields
 * are read in, made when the zip is written (the time zone may have changed since the module
 * loaded): the same package gives the same zip on any machine and in any time zone.
 */
const fixedDate = () => new Date(1980, 0, 1, 12, 0, 0);

/**
 * Zips a written package (its files as the manifest lists them, the manifest included) into
 * `zipPath`, streamed from disk with yazl: entries in path order, fixed dates, no extended
 * timestamps, owner-only modes. The same files always give the same bytes.
 */
export async function zipPackage(
  dir: string,
  files: readonly PackagedFile[],
  zipPath: string,
): Promise<void> {
  const zip = new yazl.ZipFile();
  const mtime = fixedDate();
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    zip.addFile(join(dir, f.path), f.path, { mtime, mode: 0o100600, forceDosTimestamp: true });
  zip.end();
  // As every file dsr writes: owner-only, through a new file renamed over the target, and never
  // into a directory, a device or a FIFO (refused as a usage error).
  await writePrivateFile(zipPath, zip.outputStream as AsyncIterable<Uint8Array>);
}
