import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineFileReader, readFileLines } from '../../../shared/discovery/LineFileReader';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dsr-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Class: LineFileReader', () => {
  it('gives back every line, also lines longer than a chunk and characters split across chunks', async () => {
    // Prepare: multi-byte characters placed so that chunk boundaries (256 KiB) fall inside them.
    const lines = [
      'short',
      '',
      'é'.repeat(200_000), // 400,000 bytes: spans two chunks
      `${'x'.repeat(262_143)}€tail`, // '€' (3 bytes) straddles the first chunk boundary of its line
      '🙂'.repeat(70_000),
      'last',
    ];
    const path = join(dir, 'lines.txt');
    await writeFile(path, `${lines.join('\n')}\n`);

    // Act
    const reader = new LineFileReader(path);
    const read: string[] = [];
    for (let line = reader.next(); line !== undefined; line = reader.next()) read.push(line);

    // Assess
    expect(read).toEqual(lines);
    expect(reader.next()).toBeUndefined();
  });

  it('gives every line as bytes that stay as they were while the following chunks are read', async () => {
    // Prepare: many short lines over several chunks, one long line across a boundary, no final line feed.
    const lines = Array.from({ length: 60_000 }, (_, i) => `${i}\t{"v":"é ${i}"}`);
    lines.splice(30_000, 0, `${'y'.repeat(300_000)}€`);
    const path = join(dir, 'bytes.txt');
    await writeFile(path, lines.join('\n'));

    // Act: every line held until the end (as a merge holds a run's head).
    const reader = new LineFileReader(path);
    const held: Buffer[] = [];
    for (let line = reader.nextBytes(); line !== undefined; line = reader.nextBytes()) held.push(line);

    // Assess
    expect(held.map((b) => b.toString('utf8'))).toEqual(lines);
    expect(reader.nextBytes()).toBeUndefined();
  });

  it('reads a last line without a line feed, and nothing from an empty file', async () => {
    const path = join(dir, 'tail.txt');
    await writeFile(path, 'a\nb');
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    const collect = async (p: string) => {
      const out: string[] = [];
      for await (const line of readFileLines(p)) out.push(line);
      return out;
    };
    expect(await collect(path)).toEqual(['a', 'b']);
    expect(await collect(empty)).toEqual([]);
  });
});
