import { describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_MS, ProgressLine, progressMode } from '../../../cli/ProgressLine';

function line(mode: 'tty' | 'lines' | 'off') {
  let now = 1000;
  const written: string[] = [];
  const progress = new ProgressLine(
    mode,
    (t) => written.push(t),
    () => now,
  );
  return { progress, written, advance: (ms: number) => (now += ms) };
}

describe('Function: progressMode', () => {
  it('shows progress on a terminal unless quiet, and on a pipe only when asked', () => {
    expect(progressMode({ isTTY: true })).toBe('tty');
    expect(progressMode({ isTTY: true, quiet: true })).toBe('off');
    expect(progressMode({ isTTY: false })).toBe('off');
    expect(progressMode({ isTTY: false, progress: true })).toBe('lines');
    expect(progressMode({ isTTY: false, progress: true, quiet: true })).toBe('off');
  });
});

describe('Class: ProgressLine', () => {
  it('writes at most four lines a second however often it is updated', () => {
    const { progress, written, advance } = line('lines');
    for (let i = 1; i <= 1000; i++) {
      progress.update({ tables: 1, rows: i });
      advance(2); // 1,000 updates over 2 s
    }
    expect(written).toHaveLength(Math.ceil(2000 / PROGRESS_INTERVAL_MS));
    expect(written[0]).toBe('1 table, 1 rows, 0 rows/s, 0.0 s\n');
    expect(written[1]).toBe('1 table, 126 rows, 504 rows/s, 0.3 s\n');
  });

  it('rewrites one terminal line in place and clears it at the end', () => {
    const { progress, written, advance } = line('tty');
    progress.update({ tables: 2, rows: 10 });
    advance(PROGRESS_INTERVAL_MS - 1);
    progress.update({ tables: 2, rows: 20 });
    advance(1);
    progress.update({ tables: 3, rows: 30_000 });
    progress.finish();
    expect(written).toEqual([
      '\r2 tables, 10 rows, 0 rows/s, 0.0 s\x1b[K',
      '\r3 tables, 30,000 rows, 120,000 rows/s, 0.3 s\x1b[K',
      '\r\x1b[K',
    ]);
  });

  it('writes nothing when off', () => {
    const { progress, written } = line('off');
    progress.update({ tables: 1, rows: 1 });
    progress.finish();
    expect(written).toEqual([]);
  });
});
