import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Temporary paths that may hold a subject's rows, registered while they exist, so whatever stops
 * the process (a signal, an uncaught error) can remove them first: see
 * {@link removeAllPrivateTempPathsSync}. Directories are made owner-only (`mkdtemp` creates them
 * 0700) and named `<prefix><pid>-<thread>-XXXXXX`, so a later process can tell whose they were
 * ({@link removeStaleTempDirs}).
 */
const live = new Set<string>();

/** Makes and registers an owner-only temporary directory `<parent>/<prefix><pid>-<thread>-XXXXXX`. */
export function makePrivateTempDir(prefix: string, parent: string = tmpdir()): string {
  const dir = mkdtempSync(join(parent, `${prefix}${process.pid}-${threadId}-`));
  live.add(dir);
  return dir;
}

/** Whether any registered temporary path is still there to remove. */
export function hasPrivateTempPaths(): boolean {
  return live.size > 0;
}

/** Registers a temporary file or directory made elsewhere (a partly written output file). */
export function registerTempPath(path: string): void {
  live.add(path);
}

/** Forgets a path without removing it (an output file that was completed and renamed). */
export function forgetTempPath(path: string): void {
  live.delete(path);
}

/** Removes a registered path (recursively) and forgets it. */
export async function removeTempPath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  live.delete(path);
}

/**
 * Removes every registered path at once, synchronously: what a signal handler or an uncaught
 * error handler can still do before the process exits. Returns how many there were.
 */
export function removeAllPrivateTempPathsSync(): number {
  const paths = [...live];
  for (const path of paths) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Removal is best effort here; the next sweep (removeStaleTempDirs) takes what is left.
    }
    live.delete(path);
  }
  return paths.length;
}

/**
 * Removes directories `<parent>/<prefix><pid>-…` left behind by a process that no longer runs, or
 * by this thread outside any registration (a Lambda invocation stopped by its timeout leaves its
 * directory in `/tmp` for the next invocation of the same environment, possibly under the same
 * pid). Directories of other live processes are left alone. Returns how many were removed.
 */
export async function removeStaleTempDirs(prefix: string, parent: string = tmpdir()): Promise<number> {
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-(?:(\\d+)-)?`);
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const match = pattern.exec(name);
    const owner = match?.[1];
    if (owner === undefined) continue;
    const path = join(parent, name);
    // Another thread of this process (a worker) keeps its own registry: its directories are its own.
    const mine = Number(owner) === process.pid && Number(match?.[2] ?? threadId) === threadId;
    const stale = mine ? !live.has(path) : Number(owner) !== process.pid && !processRuns(Number(owner));
    if (!stale) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** Whether a process with this id runs (as any user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
