import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePrivateDirectory, writePrivateFile } from '../../../cli/writePrivateFile';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dsr-private-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Function: writePrivateFile', () => {
  it('creates the file readable and writable by its owner only, whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      const file = join(dir, 'new.json');
      await writePrivateFile(file, '{"a":1}\n');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    } finally {
      process.umask(previous);
    }
  });

  it('narrows and truncates an existing world-readable file', async () => {
    const file = join(dir, 'old.md');
    await writeFile(file, 'a much longer previous content');
    await chmod(file, 0o644);
    await writePrivateFile(file, 'new');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe('new');
  });
});

describe('Function: makePrivateDirectory', () => {
  it('creates missing directories owner-only', async () => {
    const previous = process.umask(0o000);
    try {
      const nested = join(dir, 'a', 'b');
      await makePrivateDirectory(nested);
      expect((await stat(nested)).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });
});
