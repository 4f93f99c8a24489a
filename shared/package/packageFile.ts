import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The absolute path of a file shipped with the package (`local/demo/datamap.yaml`), the same from
 * the TypeScript source and from the compiled CLI in `dist/`, whose modules sit elsewhere in the
 * tree: the package root is the nearest directory above this module holding `package.json`.
 */
export function packageFile(path: string): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error('packageFile: no package.json above this module');
      dir = parent;
    }
    root = dir;
  }
  return join(root, path);
}
