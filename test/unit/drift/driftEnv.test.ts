import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../shared/config/readConfig';
import { driftEnv } from '../../../shared/drift/driftEnv';

describe('Schema: driftEnv', () => {
  it('defaults to 5% and five minutes', () => {
    expect(readConfig(driftEnv, {})).toEqual({ DSR_DRIFT_THRESHOLD_PCT: 5, DSR_DRIFT_CACHE_TTL_MS: 300_000 });
  });

  it('fails naming the variable when out of range', () => {
    expect(() => readConfig(driftEnv, { DSR_DRIFT_THRESHOLD_PCT: '150' })).toThrow(
      /^DSR_DRIFT_THRESHOLD_PCT: /,
    );
  });
});
