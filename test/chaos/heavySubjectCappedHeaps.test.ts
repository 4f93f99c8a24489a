import { describe, expect, it } from 'vitest';
import { heavyPipelineBench } from '../../bench/suites/heavyPipelineBench';

// One subject with 100,000 events through the real extract, gate and load handlers, each in a
// worker whose V8 old space is capped (as a small Lambda's is) and whose invocations see the
// stack's timeouts. Before findings were streamed and handed on in parts, discovery alone of such
// a subject peaked at 457 MB; here every function must stay under a 192 MiB old-space cap.
const ROWS = 100_000;
const HEAP_MB = 192;

describe('Heavy subject: intake to loaded with capped heaps', () => {
  it(`loads a ${ROWS.toLocaleString('en')}-event subject exactly once with each function's heap capped at ${HEAP_MB} MiB`, async () => {
    const result = await heavyPipelineBench({ rows: ROWS, heapMb: HEAP_MB, partBytes: 1024 * 1024 });

    expect(result.stages.map((s) => [s.fn, s.died])).toEqual([
      ['extract', undefined],
      ['gate', undefined],
      ['load', undefined],
    ]);
    expect(result.state).toBe('loaded');
    // The subject's user row, sessions and other rows come on top of the seeded events.
    expect(result.loadedRows).toBeGreaterThan(ROWS);
    expect(result.rowsLanded).toBe(result.loadedRows);
    expect(result.duplicates).toBe(0);
    expect(result.partsLoaded).toBeGreaterThan(1);
    for (const stage of result.stages) {
      expect(stage.heapLimitMb).toBeLessThan(HEAP_MB + 64);
      expect(stage.peakHeapMb).toBeLessThan(HEAP_MB);
    }
  });
});
