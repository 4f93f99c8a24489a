import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageJournal } from '../../../local/pipeline/MessageJournal';
import { userSnowflakeEnv } from '../../../local/pipeline/userSnowflakeEnv';

const intake = (requestId: string, email: string) =>
  JSON.stringify({
    version: 1,
    requestId,
    type: 'access',
    subject: { email: [email] },
    jurisdiction: 'GDPR',
  });

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Class: MessageJournal', () => {
  it('keeps the first intake message and the latest stage message of each request, owner-only', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsr-journal-'));
    const journal = await MessageJournal.open(join(dir, 'messages'));
    await journal.record('high', intake('REQ-1', 'a@example.com'));
    await journal.record('standard', intake('REQ-1', 'b@example.com'));
    await journal.record('gate', JSON.stringify({ requestId: 'REQ-1', n: 1 }));
    await journal.record('gate', JSON.stringify({ requestId: 'REQ-1', n: 2 }));
    await journal.record(
      'high',
      JSON.stringify({ action: 'cancel', requestId: 'REQ-1', reason: 'withdrawn' }),
    );
    await journal.record('high', '{"version": 1, "requestId": ');
    const entries = await journal.entries('REQ-1');
    expect(entries.map((e) => [e.queue, e.body])).toEqual([
      ['high', intake('REQ-1', 'a@example.com')],
      ['gate', JSON.stringify({ requestId: 'REQ-1', n: 2 })],
    ]);
    const files = await readdir(join(dir, 'messages'));
    expect(files).toHaveLength(2);
    for (const f of files) expect((await stat(join(dir, 'messages', f))).mode & 0o777).toBe(0o600);
    expect(files.join(' ')).not.toContain('REQ-1');
    expect((await stat(join(dir, 'messages'))).mode & 0o777).toBe(0o700);
  });

  it('forgets a finished request entirely', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsr-journal-'));
    const journal = await MessageJournal.open(dir);
    await journal.record('high', intake('REQ-1', 'a@example.com'));
    await journal.record('load', JSON.stringify({ requestId: 'REQ-1' }));
    await journal.record('high', intake('REQ-2', 'c@example.com'));
    await journal.remove('REQ-1');
    expect(await journal.requestIds()).toEqual(['REQ-2']);
  });
});

describe('Function: userSnowflakeEnv', () => {
  it("gives the handlers the user's SNOWFLAKE_* and clears the local endpoint's password and URL", () => {
    const env = userSnowflakeEnv({
      SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
      SNOWFLAKE_USER: 'DSR_LOADER',
      SNOWFLAKE_PRIVATE_KEY_PATH: '/keys/rsa_key.p8',
      SNOWFLAKE_WAREHOUSE: 'DSR_WH',
      SNOWFLAKE_DATABASE: 'DSR',
      SNOWFLAKE_SCHEMA: 'EVIDENCE',
      PG_DSN: 'postgres://not-copied',
    });
    expect(env).toEqual({
      SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
      SNOWFLAKE_USER: 'DSR_LOADER',
      SNOWFLAKE_PRIVATE_KEY_PATH: '/keys/rsa_key.p8',
      SNOWFLAKE_WAREHOUSE: 'DSR_WH',
      SNOWFLAKE_DATABASE: 'DSR',
      SNOWFLAKE_SCHEMA: 'EVIDENCE',
      SNOWFLAKE_PASSWORD: '',
      SNOWFLAKE_ACCESS_URL: '',
      SNOWFLAKE_ROLE: '',
      SNOWFLAKE_ERASURE_USER: 'DSR_LOADER',
      SNOWFLAKE_ERASURE_ROLE: '',
      SNOWFLAKE_ERASURE_PASSWORD: '',
      SNOWFLAKE_READER_USER: 'DSR_LOADER',
      SNOWFLAKE_READER_ROLE: '',
      SNOWFLAKE_READER_PASSWORD: '',
    });
  });
});
