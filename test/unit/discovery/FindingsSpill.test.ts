import { describe, expect, it } from 'vitest';
import type { CanonicalRow } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { FindingsSpill } from '../../../shared/discovery/FindingsSpill';
import type { MetRow } from '../../../shared/discovery/MetRow';
import type { SearchableTable } from '../../../shared/discovery/SearchableTable';

const table: SearchableTable = {
  system: 'postgres',
  table: 'public.events',
  primaryKey: ['id'],
  exclude: [],
  inputs: [],
  outputs: [],
};

function meeting(id: number, round: number, matchId: string): MetRow {
  const row: CanonicalRow = { id, note: `row ${id} ü` };
  const key = { id };
  return {
    match: { column: 'user_id', from: 'public.users.id', round, via: 'follow' },
    matchId,
    key,
    keyJson: canonicalJson(key),
    row,
    rowJson: canonicalJson(row),
  };
}

/**
 * Feeds the meetings to a spill of `runBytes` and returns its findings file's lines and runs. A
 * budget of 64 MiB or more is the in-memory reference: no run is written early either.
 */
async function spill(meetings: readonly MetRow[], runBytes: number, orderedRunRows?: number) {
  const early = orderedRunRows ?? (runBytes >= 64 * 1024 * 1024 ? Number.POSITIVE_INFINITY : undefined);
  const sink = new FindingsSpill({ runBytes, ...(early === undefined ? {} : { orderedRunRows: early }) });
  for (const met of meetings) sink.met(table, met);
  const findings = sink.finish({
    requestId: 'req-1',
    subjectHash: 'h',
    tables: [table],
    unreadable: new Map(),
  });
  const lines: string[] = [];
  for await (const line of findings.lines()) lines.push(line);
  await findings.dispose();
  return { lines, runs: sink.runsWritten, hash: findings.summary.evidenceHash };
}

describe('Class: FindingsSpill', () => {
  it('appends rows met in key order to the open run, and writes what the in-memory sort writes', async () => {
    // Prepare: 3,000 rows in key order (as keyset pages bring them), then a second search meeting
    // some again out of order, and a later round meeting others again.
    const meetings: MetRow[] = [];
    for (let id = 1; id <= 3000; id++) meetings.push(meeting(id, 1, '"a"'));
    for (let id = 2999; id >= 1; id -= 7) meetings.push(meeting(id, 1, '"b"'));
    for (let id = 5; id <= 3000; id += 11) meetings.push(meeting(id, 2, '"c"'));

    // Act
    const inMemory = await spill(meetings, 64 * 1024 * 1024);
    const spilled = await spill(meetings, 4096);

    // Assess: the ordered rows went to one run after the first, so the runs are few; bytes equal.
    expect(inMemory.runs).toBe(0);
    expect(spilled.runs).toBeGreaterThan(1);
    expect(spilled.runs).toBeLessThan(40);
    expect(spilled.lines).toEqual(inMemory.lines);
    expect(spilled.hash).toBe(inMemory.hash);
    expect(inMemory.lines).toHaveLength(3000);
    expect(inMemory.lines[0]).toBe(
      '{"key":{"id":1},"provenance":["a"],"row":{"id":1,"note":"row 1 ü"},"system":"postgres","table":"public.events"}',
    );
    // Met again in round 1 by b; met again in round 2 only by c, which adds nothing.
    expect(inMemory.lines[2998]).toContain('"provenance":["a","b"]');
    expect(inMemory.lines[4]).toContain('"provenance":["a"]');
  });

  it('collapses the meetings of a row within one run as the in-memory sort does', async () => {
    // Prepare: rows in key order, each met by two matches of round 1 (twice by one of them) and
    // again in round 2: every meeting sorts after the one before, so all go to one run.
    const meetings: MetRow[] = [];
    for (let id = 1; id <= 3000; id++) {
      meetings.push(meeting(id, 1, '"a"'));
      if (id % 3 === 0) meetings.push(meeting(id, 1, '"b"'));
      if (id % 3 === 0) meetings.push(meeting(id, 1, '"b"'));
      if (id % 5 === 0) meetings.push(meeting(id, 2, '"c"'));
    }

    // Act
    const inMemory = await spill(meetings, 64 * 1024 * 1024);
    const spilled = await spill(meetings, 4096);

    // Assess
    expect(spilled.runs).toBe(1);
    expect(spilled.lines).toEqual(inMemory.lines);
    expect(spilled.hash).toBe(inMemory.hash);
    expect(spilled.lines[2]).toContain('"provenance":["a","b"]');
    expect(spilled.lines[4]).toContain('"provenance":["a"]');
  });

  it('writes and hashes a finding longer than the write buffer in its place among the others', async () => {
    // Prepare: a row of 1.5 M characters (more than the 1 MiB buffer, in UTF-8) between small ones.
    const meetings: MetRow[] = [];
    for (let id = 1; id <= 2000; id++) {
      const met = meeting(id, 1, '"a"');
      if (id !== 1000) meetings.push(met);
      else {
        const row: CanonicalRow = { id, note: 'é'.repeat(750_000) };
        meetings.push({ ...met, row, rowJson: canonicalJson(row) });
      }
    }

    // Act
    const inMemory = await spill(meetings, 64 * 1024 * 1024);
    const spilled = await spill(meetings, 4096);

    // Assess
    expect(spilled.runs).toBe(1);
    expect(spilled.lines).toEqual(inMemory.lines);
    expect(spilled.hash).toBe(inMemory.hash);
    expect(spilled.lines[999]).toMatch(
      /^\{"key":\{"id":1000\},"provenance":\["a"\],"row":\{"id":1000,"note":"é{750000}"\}/,
    );
    expect(Buffer.byteLength(spilled.lines[999] as string)).toBeGreaterThan(1024 * 1024);
  });

  it('writes the run of a table whose rows arrive in order early, within the budget, with the same bytes', async () => {
    // Prepare: 3,000 rows in key order, and 500 more of a second search out of order.
    const meetings: MetRow[] = [];
    for (let id = 1; id <= 3000; id++) meetings.push(meeting(id, 1, '"a"'));
    for (let id = 2999; id >= 2000; id -= 2) meetings.push(meeting(id, 1, '"b"'));

    // Act: a budget that is never spent, and runs after 1,024 ordered rows (the default).
    const inMemory = await spill(meetings, 64 * 1024 * 1024);
    const early = await spill(meetings, 64 * 1024 * 1024, 1024);

    // Assess: the ordered rows went to one run; the unordered ones stayed in memory until the end.
    expect(inMemory.runs).toBe(0);
    expect(early.runs).toBe(2);
    expect(early.lines).toEqual(inMemory.lines);
    expect(early.hash).toBe(inMemory.hash);
  });

  it('starts a new run when a buffer sorts before the open run, and still merges in order', async () => {
    // Prepare: two ordered passes over the same keys (two searches, one after the other).
    const meetings: MetRow[] = [];
    for (let id = 1; id <= 1500; id++) meetings.push(meeting(id, 1, '"b"'));
    for (let id = 1; id <= 1500; id++) meetings.push(meeting(id, 1, '"a"'));

    // Act
    const inMemory = await spill(meetings, 64 * 1024 * 1024);
    const spilled = await spill(meetings, 4096);

    // Assess
    expect(spilled.runs).toBeGreaterThanOrEqual(2);
    expect(spilled.lines).toEqual(inMemory.lines);
    expect(spilled.lines[1499]).toContain('"provenance":["a","b"]');
  });
});
