/** How progress is shown: a line rewritten in place (a terminal), lines (asked for on a pipe), or not at all. */
export type ProgressMode = 'tty' | 'lines' | 'off';

/**
 * On a terminal, progress is shown unless `--quiet`; on a pipe or a file, only with `--progress`
 * (a log gets whole lines, no carriage returns).
 */
export function progressMode(options: {
  readonly isTTY: boolean;
  readonly quiet?: boolean;
  readonly progress?: boolean;
}): ProgressMode {
  if (options.quiet) return 'off';
  if (options.isTTY) return 'tty';
  return options.progress ? 'lines' : 'off';
}

/** What the line shows. */
export interface Progress {
  readonly tables: number;
  readonly rows: number;
}

/** Shortest time between two lines written, ms: at most four a second. */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * One stderr line of progress — tables with rows found, rows, rows per second and time elapsed —
 * written at most every {@link PROGRESS_INTERVAL_MS}, whatever the rate of `update` calls. The
 * clock is injected (milliseconds), so tests drive it.
 */
export class ProgressLine {
  private readonly started: number;
  private last = Number.NEGATIVE_INFINITY;
  private shown = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Shows `progress` if the last line is at least {@link PROGRESS_INTERVAL_MS} old. */
  update(progress: Progress): void {
    if (this.mode === 'off') return;
    const at = this.now();
    if (at - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = at;
    this.show(progress, at);
  }

  /** Ends the progress: a terminal's line is cleared, so the summary that follows starts clean. */
  finish(): void {
    if (this.mode === 'tty' && this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }

  private show(progress: Progress, at: number): void {
    const seconds = Math.max(0, (at - this.started) / 1000);
    const rate = seconds > 0 ? Math.round(progress.rows / seconds) : 0;
    const text =
      `${progress.tables} ${progress.tables === 1 ? 'table' : 'tables'}, ` +
      `${progress.rows.toLocaleString('en-US')} rows, ${rate.toLocaleString('en-US')} rows/s, ${seconds.toFixed(1)} s`;
    this.write(this.mode === 'tty' ? `\r${text}\x1b[K` : `${text}\n`);
    this.shown = true;
  }
}
