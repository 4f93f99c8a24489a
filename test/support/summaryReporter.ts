import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, after vitest's own summary, so a
 * CI log reader that does not know vitest can still count the tests. With `DSR_TEST_FILE_TIMES`
 * set to a path, it also writes there one line per file, slowest first: milliseconds the file's
 * tests and hooks took, milliseconds importing it (its modules and its suites' bodies), its project
 * and its path — where a run's time went.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    const timesPath = process.env.DSR_TEST_FILE_TIMES;
    if (timesPath) writeFileSync(timesPath, fileTimes(testModules));
  }
}

function fileTimes(testModules: ReadonlyArray<TestModule>): string {
  const rows = testModules.map((module) => {
    const { duration, collectDuration } = module.diagnostic();
    return {
      duration: Math.round(duration),
      collect: Math.round(collectDuration),
      line: `${module.project.name || '-'}\t${relative(process.cwd(), module.moduleId)}`,
    };
  });
  rows.sort((a, b) => b.duration + b.collect - (a.duration + a.collect));
  return `${['tests_ms\timport_ms\tproject\tfile', ...rows.map((r) => `${r.duration}\t${r.collect}\t${r.line}`)].join('\n')}\n`;
}
