// Compiles the `dsr` command into dist/: one ES module per command (code splitting), so a command
// loads its own modules only. Packages stay imports of node_modules (they are the runtime
// dependencies); only the repository's TypeScript is bundled.
//
// `node scripts/buildCli.mjs` (npm run build; `npm ci` runs it through `prepare`). Files whose
// bytes did not change are left untouched, and each changed file is replaced by a rename, so a
// `dsr` already running keeps reading whole files.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Builds the CLI into `outdir` (default `dist/`) and returns the files written or kept. */
export async function buildCli({ outdir = join(ROOT, 'dist') } = {}) {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { 'cli/main': 'cli/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  const wanted = new Set();
  for (const file of result.outputFiles) {
    wanted.add(file.path);
    const old = existsSync(file.path) ? await readFile(file.path) : undefined;
    if (old?.equals(file.contents)) continue;
    await mkdir(dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.tmp`;
    await writeFile(temp, file.contents);
    await rename(temp, file.path);
  }
  for (const path of await listFiles(outdir)) if (!wanted.has(path)) await rm(path, { force: true });
  return [...wanted].map((p) => relative(ROOT, p));
}

async function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let esbuildMissing = false;
  try {
    await import('esbuild');
  } catch {
    esbuildMissing = true;
  }
  if (esbuildMissing) {
    // An install without development dependencies (`npm ci --omit=dev`) cannot compile: it runs the
    // dist/ it was given (from `npm pack`, or a checkout built before).
    if (existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) process.exit(0);
    process.stderr.write(
      'dsr: dist/ is missing and esbuild is not installed: run `npm ci` with dev dependencies\n',
    );
    process.exit(1);
  }
  await buildCli();
}
