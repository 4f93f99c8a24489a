import { rmSync } from 'node:fs';
import { hasPrivateTempPaths, removeAllPrivateTempPathsSync } from '../shared/tempFiles/privateTempDirs';

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Makes every way the `dsr` process stops remove the temporary files that may hold a subject's
 * rows (the findings spill, a partly written `--out` file) before it exits, with one line on
 * stderr: SIGINT exits 130, SIGTERM 143, SIGHUP 129, an uncaught error or unhandled rejection 1.
 * Where a command listens to the signal itself (`dsr local snowflake`, the demo's embedded
 * PostgreSQL), the files are removed and that command's own handler ends the process.
 *
 * Out of memory cannot be handled inside a dying V8: `bin/dsr.js` runs `discover` in a child
 * process with a private `TMPDIR` and removes that directory whatever the child's end.
 */
export function installExitCleanup(write: (line: string) => void = (l) => process.stderr.write(l)): void {
  let stopping = false;
  const stop = (code: number, reason: string, exit: boolean): void => {
    const removed = removeAllPrivateTempPathsSync();
    if (stopping) return;
    stopping = true;
    write(`dsr: ${reason}${removed > 0 ? '; temporary files removed' : ''}\n`);
    if (exit) process.exit(code);
  };
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
    const handler = () => {
      // A command that listens itself (`dsr up`) says it stopped, and how: this line then only
      // when files were removed, so that one stop reads as one.
      if (process.listenerCount(signal) > 1 && !hasPrivateTempPaths()) return;
      stop(code, `stopped by ${signal}`, process.listenerCount(signal) === 1);
    };
    process.on(signal, handler);
  }
  // The error's class only: a message may quote a value.
  const failed = (error: unknown) =>
    stop(1, `stopped by an unexpected ${error instanceof Error ? error.name : typeof error}`, true);
  process.on('uncaughtException', failed);
  process.on('unhandledRejection', failed);
  // Run by `bin/dsr.js` with a capped heap: the launcher's end closes the IPC channel. A launcher
  // killed with SIGKILL passes no signal on, so the discovery would run on and write its --out for
  // no one: it stops, and removes the launcher's private TMPDIR too, which no one else will.
  const launcherTemp = process.env.DSR_LAUNCHER_TEMP_DIR;
  if (process.channel && launcherTemp) {
    process.channel.unref();
    process.once('disconnect', () => {
      try {
        rmSync(launcherTemp, { recursive: true, force: true });
      } catch {
        // Best effort, as for the other paths: the next sweep takes what is left.
      }
      stop(1, 'stopped: the dsr process that started it ended', true);
    });
  }
}
