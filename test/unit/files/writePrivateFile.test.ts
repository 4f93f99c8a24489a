import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputPathError } from '../../../shared/errors/errors';
import { makePrivateDirectory, writePrivateFile } from '../../../shared/files/writePrivateFile';

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

describe('Function: writePrivateFile on paths that are not regular files', () => {
  it('refuses a FIFO with a usage error and leaves it a FIFO with its mode', async () => {
    // Prepare: a FIFO stands in for /dev/null-like paths (opening it for writing would block).
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', ['-m', '0644', fifo]);

    // Act
    const error = await writePrivateFile(fifo, 'x').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(OutputPathError);
    expect((error as OutputPathError).code).toBe('OUTPUT_PATH_REFUSED');
    expect((error as OutputPathError).message).toContain('is a FIFO');
    const after = await stat(fifo);
    expect(after.isFIFO()).toBe(true);
    expect(after.mode & 0o777).toBe(0o644);
  });

  it('refuses a directory and a symbolic link to a FIFO, changing neither', async () => {
    // Prepare
    const folder = join(dir, 'folder');
    await mkdir(folder, { mode: 0o755 });
    const fifo = join(dir, 'pipe2');
    execFileSync('mkfifo', ['-m', '0666', fifo]);
    const link = join(dir, 'link-to-pipe');
    await symlink(fifo, link);

    // Act
    const errors = await Promise.all([folder, link].map((p) => writePrivateFile(p, 'x').catch((e) => e)));

    // Assess
    expect((errors[0] as OutputPathError).message).toContain('is a directory');
    expect((errors[1] as OutputPathError).message).toContain('is a symbolic link to a FIFO');
    expect((await stat(folder)).mode & 0o777).toBe(0o755);
    expect((await stat(fifo)).mode & 0o777).toBe(0o666);
  });

  it('refuses a new path whose folder does not exist or is a file, naming the folder, and creates nothing', async () => {
    // Prepare
    const file = join(dir, 'plain.txt');
    await writeFile(file, 'x');

    // Act
    const missing = await writePrivateFile(join(dir, 'nowhere', 'out.json'), 'x').catch((e) => e);
    const underFile = await writePrivateFile(join(file, 'out.json'), 'x').catch((e) => e);

    // Assess
    expect(missing).toBeInstanceOf(OutputPathError);
    expect((missing as OutputPathError).message).toContain(
      `its folder ${join(dir, 'nowhere')} does not exist`,
    );
    expect((underFile as OutputPathError).message).toContain(`its folder ${file} is not a directory`);
    expect((await readdir(dir)).filter((n) => n.startsWith('nowhere') || n.includes('.tmp'))).toEqual([]);
  });

  it('writes through a new file renamed over the target: no temporary file is left, a link to a regular file is replaced and its target kept', async () => {
    // Prepare
    const target = join(dir, 'kept.txt');
    await writeFile(target, 'kept');
    const link = join(dir, 'out-link');
    await symlink(target, link);

    // Act
    await writePrivateFile(link, 'new');

    // Assess
    expect(await readFile(target, 'utf8')).toBe('kept');
    expect(await readFile(link, 'utf8')).toBe('new');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
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
