import { buildCli } from '../../scripts/buildCli.mjs';

/**
 * Compiles the CLI into `dist/` once per run, before any test: the tests that run `bin/dsr.js` in
 * a child process run what users run, built from the source under test (unchanged files are left
 * as they are, so a rebuild costs about a second).
 */
export default async function setup(): Promise<void> {
  await buildCli();
}
