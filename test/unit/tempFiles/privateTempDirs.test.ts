import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  makePrivateTempDir,
  removeAllPrivateTempPathsSync,
  removeStaleTempDirs,
  removeTempPath,
} from '../../../shared/tempFiles/privateTempDirs';

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'dsr-tempdirs-test-'));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe('Module: privateTempDirs', () => {
  it('makes owner-only directories named after this process, removed all at once on a stop', async () => {
    const a = makePrivateTempDir('dsr-x-', parent);
    const b = makePrivateTempDir('dsr-x-', parent);
    expect((await stat(a)).mode & 0o777).toBe(0o700);
    expect(a).toMatch(new RegExp(`/dsr-x-${process.pid}-\\d+-[^/]+$`));
    expect(removeAllPrivateTempPathsSync()).toBe(2);
    expect([existsSync(a), existsSync(b)]).toEqual([false, false]);
    expect(removeAllPrivateTempPathsSync()).toBe(0);
  });

  it("sweeps directories of dead processes and this process's unregistered ones, not live ones", async () => {
    const live = makePrivateTempDir('dsr-x-', parent);
    const mineLeft = join(parent, `dsr-x-${process.pid}-left`);
    const dead = join(parent, 'dsr-x-2147483646-abc'); // no such pid
    const otherLive = join(parent, `dsr-x-${process.ppid}-abc`);
    const unrelated = join(parent, 'dsr-y-1-abc');
    const otherThread = join(parent, `dsr-x-${process.pid}-${threadId + 1}-abc`); // a worker's own
    for (const d of [mineLeft, dead, otherLive, unrelated, otherThread]) await mkdir(d);
    expect(await removeStaleTempDirs('dsr-x-', parent)).toBe(2);
    expect([live, mineLeft, dead, otherLive, unrelated, otherThread].map((d) => existsSync(d))).toEqual([
      true,
      false,
      false,
      true,
      true,
      true,
    ]);
    await removeTempPath(live);
    expect(existsSync(live)).toBe(false);
  });
});
