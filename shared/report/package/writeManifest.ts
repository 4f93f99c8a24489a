import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CanonicalObject, CanonicalValue } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';
import { sha256Hex } from '../../canonical/sha256';
import type { PackagedFile } from './PackageFile';

/** The version of the package's layout, recorded in its manifest. */
export const PACKAGE_FORMAT = 'dsr-bridge-package/1';

/**
 * Writes `manifest.json`: canonical JSON of what the package is (`fields`) and every other file's
 * path, size and SHA-256, sorted by path. The same package always gives the same bytes.
 */
export async function writeManifest(
  dir: string,
  files: readonly PackagedFile[],
  fields: CanonicalObject,
): Promise<PackagedFile> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const text = `${canonicalJson({
    ...fields,
    files: sorted.map((f) => ({ bytes: f.bytes, path: f.path, sha256: f.sha256 })),
    format: PACKAGE_FORMAT,
  } as unknown as CanonicalValue)}\n`;
  await writeFile(join(dir, 'manifest.json'), text, { mode: 0o600 });
  return { path: 'manifest.json', bytes: Buffer.byteLength(text), sha256: sha256Hex(text) };
}
