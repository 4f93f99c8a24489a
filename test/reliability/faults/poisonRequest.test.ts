import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakerOpenings, seedPoisonSubject } from '../../support/faultInjection';
import {
  type KnownSubject,
  type LocalPipelineFixture,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';

/** Log lines that say a circuit opened, or that a record was refused by an open one. */
const breakerLines = (lines: readonly string[]) =>
  lines.filter((l) => l.includes('"CIRCUIT_OPEN"') || l.includes('circuit opened'));

describe('Fault scenario: a poison request among healthy ones', () => {
  let f: LocalPipelineFixture;
  let poison: KnownSubject;
  beforeAll(async () => {
    f = await startLocalPipelineFixture({ generatedSubjects: 8 });
    poison = await seedPoisonSubject(f);
  }, 90_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('is dead-lettered as INTERNAL_ERROR after its retries while every other request loads and no circuit opens', {
    timeout: 120_000,
  }, async () => {
    // Poison requests spread through a steady stream of healthy ones, on both intake queues: one
    // before every third healthy request, alternately high and standard.
    const requests = [];
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) requests.push(f.request(poison, { priority: i % 6 === 0 ? 'high' : 'standard' }));
      requests.push(
        f.request(f.loadable[i % f.loadable.length] as KnownSubject, {
          priority: i % 3 === 0 ? 'standard' : 'high',
        }),
      );
    }
    await f.submit(requests);
    await f.drain(90_000);

    const report = await checkPipelineInvariant(f, requests);
    process.stdout.write(`poison requests: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const poisonIds = new Set(requests.filter((r) => r.subject === poison).map((r) => r.requestId));
    expect(report.counts.loaded).toBe(requests.length - poisonIds.size);
    const poisonLetters = report.deadLetters.filter((d) => d.requestId && poisonIds.has(d.requestId));
    expect(poisonLetters).toHaveLength(poisonIds.size);
    // Not a dependency's fault: no circuit opened, no healthy request waited on one.
    expect(breakerLines(f.lines).length).toBe(0);
    expect(breakerOpenings(f.lines)).toEqual([]);
    for (const letter of poisonLetters) expect(letter.code).toBe('INTERNAL_ERROR');
    // Each poison request was retried a bounded number of times, then dead-lettered with a
    // fingerprint of where it failed and an InternalError metric for the alarm.
    const deadLetterLines = f.lines
      .filter((l) => l.includes('"dead-lettered"') && l.includes('"INTERNAL_ERROR"'))
      .map((l) => JSON.parse(l) as { error: { fingerprint?: string }; attempt: number });
    expect(deadLetterLines).toHaveLength(poisonIds.size);
    for (const line of deadLetterLines) {
      expect(line.error.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(line.attempt).toBeLessThanOrEqual(3);
    }
    expect(new Set(deadLetterLines.map((l) => l.error.fingerprint)).size).toBe(1);
    expect(f.lines.filter((l) => l.includes('"InternalError"')).length).toBe(poisonIds.size);
  });
});
