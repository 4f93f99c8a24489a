import { chmodSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { processRuns } from '../../shared/tempFiles/privateTempDirs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's own temporary directory: `TMPDIR` of every worker and child process. */
    runTempDir: string;
  }
}

/** Set to `1` to fail the run when a test leaves anything in the run's temporary directory. */
export const STRICT_SWITCH = 'DSR_TEST_TMP_STRICT';

/** What the run left in its temporary directory, by entry name. */
export interface TempLeftovers {
  /** Entries no running process owns: a test (or the product under test) did not remove them. */
  readonly leaked: readonly string[];
  /**
   * The product's private temporary directories (`<prefix><pid>-<thread>-XXXXXX`) whose process
   * still runs (a test worker not yet stopped): the product removes them when that process exits.
   */
  readonly heldByRunningProcess: readonly string[];
  /** Compile caches of the tools the tests run (tsx keeps `tsx-<uid>` in the temporary directory). */
  readonly toolCaches: readonly string[];
}

const PRIVATE_TEMP_DIR = /^dsr-[a-z-]*?-?(\d+)-\d+-[A-Za-z0-9]{6}$/;
const TOOL_CACHE = /^tsx-\d+$/;

/** Sorts the entries left in a run's temporary directory into leaks and those a process still holds. */
export function classifyLeftovers(
  names: readonly string[],
  runs: (pid: number) => boolean = processRuns,
): TempLeftovers {
  const leaked: string[] = [];
  const held: string[] = [];
  const caches: string[] = [];
  for (const name of [...names].sort()) {
    if (TOOL_CACHE.test(name)) {
      caches.push(name);
      continue;
    }
    const owner = PRIVATE_TEMP_DIR.exec(name)?.[1];
    if (owner !== undefined && runs(Number(owner))) held.push(name);
    else leaked.push(name);
  }
  return { leaked, heldByRunningProcess: held, toolCaches: caches };
}

/** The message naming what a run left behind, or `undefined` when it left nothing. */
export function describeLeftovers(leftovers: TempLeftovers, strict: boolean): string | undefined {
  if (leftovers.leaked.length === 0) return undefined;
  return [
    `${leftovers.leaked.length} temporary entr${leftovers.leaked.length === 1 ? 'y was' : 'ies were'} left behind by the tests:`,
    ...leftovers.leaked.map((name) => `  ${name}`),
    strict ? `(${STRICT_SWITCH}=0 reports without failing)` : `(reported only, as ${STRICT_SWITCH}=0 asks)`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Gives the run a fresh temporary directory and points `TMPDIR` at it, so every test worker (forked
 * after global setup, with this process's environment) and every child process a test starts makes
 * its temporary files there (`os.tmpdir()`, CDK's default `cdk.out` directory, `mkdtemp`). When the
 * run ends, whatever is left in it is named, the run fails on it unless `DSR_TEST_TMP_STRICT=0`,
 * and the directory is removed either way.
 */
export default function setup(project: TestProject): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'dsr-test-run-'));
  // As /tmp is: an embedded PostgreSQL started as root runs as another OS user, which must be able
  // to enter its data directory in here. What tests keep private is in 0700 directories of its own.
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  project.provide('runTempDir', dir);
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const leftovers = classifyLeftovers(readdirSync(dir));
    rmSync(dir, { recursive: true, force: true });
    // A test that leaves a file behind fails the run, unless the switch is 0 (a local look at a leak).
    const strict = process.env[STRICT_SWITCH] !== '0';
    const message = describeLeftovers(leftovers, strict);
    if (message === undefined) return;
    if (strict) throw new Error(message);
    process.stderr.write(`\n${message}\n`);
  };
}
