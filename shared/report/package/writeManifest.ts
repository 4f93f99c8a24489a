import type { CanonicalObject, CanonicalValue } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';
import { type PackagedFile, PackageFile } from './PackageFile';
import type { PackageSink } from './PackageSink';

/** The version of the package's layout, recorded in its manifest. */
export const PACKAGE_FORMAT = 'dsr-bridge-package/1';

/**
 * Writes `manifest.json`: canonical JSON of what the package is (`fields`) and every other file's
 * path, size and SHA-256, sorted by path. The same package always gives the same bytes.
 */
export async function writeManifest(
  sink: PackageSink,
  files: readonly PackagedFile[],
  fields: CanonicalObject,
): Promise<PackagedFile> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const text = `${canonicalJson({
    ...fields,
    files: sorted.map((f) => ({ bytes: f.bytes, path: f.path, sha256: f.sha256 })),
    format: PACKAGE_FORMAT,
  } as unknown as CanonicalValue)}\n`;
  return PackageFile.write(sink, 'manifest.json', text);
}
