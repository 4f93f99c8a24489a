import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeCliProgram } from '../../support/cliProgram';

let dir: string;
let program: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dsr-local-sf-cli-'));
  program = await writeCliProgram(dir, 'dsr-local-snowflake', { localSnowflake: 'registerLocalSnowflake' });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Command: dsr local snowflake --format json', () => {
  it('prints a JSON line when it listens, with the settings to export, and one when it stops', async () => {
    // Prepare: stop the server as Ctrl+C would, through the listener the command adds (and only it).
    const before = new Set(process.listeners('SIGINT'));
    const stop = setInterval(() => {
      const added = process.listeners('SIGINT').find((l) => !before.has(l));
      if (added) {
        clearInterval(stop);
        added('SIGINT');
      }
    }, 20);

    // Act
    const run = await runCli(program, [
      'snowflake',
      '--port',
      '0',
      '--warehouse',
      'dsr_wh',
      '--format',
      'json',
    ]);
    clearInterval(stop);

    // Assess
    expect(run.code).toBe(0);
    const events = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      {
        event: 'listening',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        db: null,
        warehouses: ['DSR_WH'],
        database: 'DSR',
        schema: 'EVIDENCE',
        env: expect.objectContaining({ SNOWFLAKE_WAREHOUSE: 'DSR_WH', SNOWFLAKE_DATABASE: 'DSR' }),
      },
      { event: 'stopped' },
    ]);
    const started = events[0] as { env: Record<string, string>; url: string };
    expect(started.env.SNOWFLAKE_ACCESS_URL).toBe(started.url);
  });
});
