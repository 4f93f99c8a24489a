import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpilledFindings } from '../../../shared/discovery/FindingsSpill';
import { readFileLines } from '../../../shared/discovery/LineFileReader';
import { serializeFindingsSource } from '../../../shared/discovery/serializeFindingsSource';
import { serializeSpilledFindings } from '../../../shared/discovery/serializeSpilledFindings';

let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Spilled findings over a findings file holding `lines`, with a summary that has unreadable values. */
async function spilled(lines: string[]): Promise<SpilledFindings> {
  dir = await mkdtemp(join(tmpdir(), 'dsr-serialize-'));
  const path = join(dir, 'findings.ndjson');
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  return {
    path,
    summary: {
      requestId: 'REQ-7',
      subject: { hash: 'ab'.repeat(32) },
      counts: { postgres: { 'public.t': lines.length } },
      evidenceHash: 'cd'.repeat(32),
      rows: lines.length,
      unreadable: [
        { system: 'postgres', table: 'public.t', key: { id: 1 }, column: 'c', reason: 'ill_formed_unicode' },
      ],
    },
    lines: () => readFileLines(path),
    dispose: async () => {},
  };
}

async function both(findings: SpilledFindings): Promise<{ strings: string; bytes: Buffer }> {
  let strings = '';
  for await (const chunk of serializeFindingsSource(findings)) strings += chunk;
  const chunks: Uint8Array[] = [];
  for await (const chunk of serializeSpilledFindings(findings)) chunks.push(chunk);
  return { strings, bytes: Buffer.concat(chunks) };
}

describe('Function: serializeSpilledFindings', () => {
  it('writes the bytes serializeFindingsSource writes, across chunk boundaries and multi-byte characters', async () => {
    // Prepare: ~3 MiB of lines with 2-, 3- and 4-byte characters and escaped line feeds, so that
    // lines and characters straddle the chunks read at many offsets.
    const lines = Array.from(
      { length: 9000 },
      (_, i) =>
        `{"key":{"id":${i}},"provenance":[],"row":{"n":"${'é漢😀\\n'.repeat(i % 37)}${'x'.repeat(i % 301)}"}}`,
    );
    const findings = await spilled(lines);

    // Act
    const { strings, bytes } = await both(findings);

    // Assess
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(bytes.equals(Buffer.from(strings, 'utf8'))).toBe(true);
    expect(JSON.parse(bytes.toString('utf8')).findings).toHaveLength(9000);
  });

  it('writes an empty findings array for an empty findings file', async () => {
    const { strings, bytes } = await both(await spilled([]));
    expect(bytes.toString('utf8')).toBe(strings);
    expect(JSON.parse(strings).findings).toEqual([]);
  });
});
