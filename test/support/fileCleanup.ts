/**
 * Work to do when the current test file ends, registered by support modules. A module-level
 * `afterAll` registers only for the first file that imports its module when files share a worker's
 * modules (`isolate: false`); `fileHooks.ts`, a setup file run before every file, runs and clears
 * these at the end of each file instead.
 */
const pending: Array<() => void> = [];

/** Runs `cleanup` when the current test file ends. */
export function atFileEnd(cleanup: () => void): void {
  pending.push(cleanup);
}

/** Runs and forgets every registered cleanup, last registered first. */
export function runFileCleanups(): void {
  for (const cleanup of pending.splice(0).reverse()) cleanup();
}
