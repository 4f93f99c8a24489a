import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DependencyError, InvalidInputError, UnexpectedDataError } from '../../../shared/errors/errors';
import { PostgresError } from '../../../shared/postgres/errors';
import { DependencyBreakers } from '../../../shared/resilience/DependencyBreakers';
import { DependencyUnavailableError } from '../../../shared/resilience/DependencyUnavailableError';
import { SnowflakeError } from '../../../shared/snowflake/errors';

describe('Class: DependencyBreakers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  const failSnowflake = () =>
    Promise.reject(new SnowflakeError('Snowflake: 503', true, '390503', undefined, false));
  const fail = () => Promise.reject(new PostgresError('connection reset', true, '08006', true));

  it('opens after consecutive retryable failures and then does not try the work', async () => {
    const breakers = new DependencyBreakers({
      postgres: { kind: 'consecutive', threshold: 3, halfOpenAfterMs: 10_000 },
    });
    for (let i = 0; i < 3; i++)
      await expect(breakers.execute('postgres', fail)).rejects.toThrow(PostgresError);
    expect(breakers.state('postgres')).toBe('open');
    const work = vi.fn(async () => 'ok');
    const error = await breakers.execute('postgres', work).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).retryable).toBe(true);
    expect(work).not.toHaveBeenCalled();
    expect(breakers.state('snowflake')).toBe('closed');
  });

  it('lets one probe through after the cool-down and closes when it succeeds', async () => {
    const breakers = new DependencyBreakers({
      postgres: { kind: 'consecutive', threshold: 2, halfOpenAfterMs: 10_000 },
    });
    for (let i = 0; i < 2; i++) await expect(breakers.execute('postgres', fail)).rejects.toThrow();
    vi.setSystemTime(new Date('2026-01-01T00:00:09Z'));
    await expect(breakers.execute('postgres', async () => 'ok')).rejects.toThrow(DependencyUnavailableError);
    vi.setSystemTime(new Date('2026-01-01T00:00:11Z'));
    await expect(breakers.execute('postgres', async () => 'ok')).resolves.toBe('ok');
    expect(breakers.state('postgres')).toBe('closed');
  });

  it('reopens when the probe fails', async () => {
    const breakers = new DependencyBreakers({
      snowflake: { kind: 'consecutive', threshold: 1, halfOpenAfterMs: 1_000 },
    });
    await expect(breakers.execute('snowflake', failSnowflake)).rejects.toThrow(SnowflakeError);
    vi.setSystemTime(new Date('2026-01-01T00:00:02Z'));
    await expect(breakers.execute('snowflake', failSnowflake)).rejects.toThrow(SnowflakeError);
    expect(breakers.state('snowflake')).toBe('open');
  });

  it('never opens on errors that are not a classified fault of its dependency', async () => {
    // Prepare
    const opened: string[] = [];
    const breakers = new DependencyBreakers(
      { postgres: { kind: 'consecutive', threshold: 2 }, snowflake: { kind: 'consecutive', threshold: 2 } },
      { onOpen: (d) => opened.push(d) },
    );
    const bugs = [
      () => Promise.reject(new TypeError("Cannot read properties of null (reading 'id')")),
      () => Promise.reject(new RangeError('Invalid time value')),
      () => Promise.reject(new UnexpectedDataError('a primary-key value is NULL')),
      () => Promise.reject(new DependencyError('sqs', 'SendMessage', true, 'ServiceUnavailable')),
      failSnowflake,
    ];
    // Act: many times more than the threshold
    for (let i = 0; i < 10; i++)
      for (const bug of bugs) await expect(breakers.execute('postgres', bug)).rejects.toThrow();
    // Assess
    expect(breakers.state('postgres')).toBe('closed');
    expect(opened).toEqual([]);
    for (let i = 0; i < 2; i++) await expect(breakers.execute('postgres', fail)).rejects.toThrow();
    expect(breakers.state('postgres')).toBe('open');
    expect(opened).toEqual(['postgres']);
  });

  it('does not count permanent errors', async () => {
    const breakers = new DependencyBreakers({ postgres: { kind: 'consecutive', threshold: 1 } });
    await expect(
      breakers.execute('postgres', () => Promise.reject(new InvalidInputError('bad'))),
    ).rejects.toThrow(InvalidInputError);
    expect(breakers.state('postgres')).toBe('closed');
  });

  describe('Method: executeAcross', () => {
    const both = () =>
      new DependencyBreakers({
        postgres: { kind: 'consecutive', threshold: 2 },
        snowflake: { kind: 'consecutive', threshold: 2 },
      });

    it.each([
      ['snowflake', 'postgres', failSnowflake],
      ['postgres', 'snowflake', fail],
    ] as const)('opens only the %s circuit on its faults, never the %s one', async (own, other, failing) => {
      // Prepare
      const breakers = both();
      // Act
      for (let i = 0; i < 2; i++)
        await expect(breakers.executeAcross(['postgres', 'snowflake'], failing)).rejects.toThrow();
      const work = vi.fn(async () => 'ok');
      const refused = await breakers.executeAcross(['postgres', 'snowflake'], work).catch((e: unknown) => e);
      // Assess
      expect(breakers.state(own)).toBe('open');
      expect(breakers.state(other)).toBe('closed');
      expect((refused as DependencyUnavailableError).circuit).toBe(own);
      expect(work).not.toHaveBeenCalled();
      // Work on the other dependency alone still runs.
      await expect(breakers.executeAcross([other], work)).resolves.toBe('ok');
    });

    it('runs work that names no dependency without a breaker, and succeeds through all it names', async () => {
      const breakers = both();
      await expect(breakers.executeAcross([], async () => 1)).resolves.toBe(1);
      await expect(
        breakers.executeAcross(['snowflake', 'postgres', 'snowflake'], async () => 2),
      ).resolves.toBe(2);
      expect([breakers.state('postgres'), breakers.state('snowflake')]).toEqual(['closed', 'closed']);
    });
  });
});
