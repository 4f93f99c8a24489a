import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { canonicalizeSnowflakeValue } from '../../../shared/snowflake/canonicalizeSnowflakeValue';

const col = (type: string, scale = 0) => ({ name: 'C', type, scale, precision: 38 });
const sfDate = (epochSeconds: number, nanos: number) =>
  Object.assign(new Date(epochSeconds * 1000 + Math.floor(nanos / 1e6)), {
    getEpochSeconds: () => epochSeconds,
    getNanoSeconds: () => nanos,
  });

describe('Function: canonicalizeSnowflakeValue', () => {
  it('keeps NUMBER digits exactly, as text', () => {
    expect(canonicalizeSnowflakeValue('12345678901234567.123456789012345678', col('fixed', 18))).toBe(
      '12345678901234567.123456789012345678',
    );
    expect(canonicalizeSnowflakeValue('42', col('fixed'))).toBe('42');
  });

  it('turns FLOAT into a number, non-finite values into text', () => {
    expect(canonicalizeSnowflakeValue('1.5', col('real'))).toBe(1.5);
    expect(canonicalizeSnowflakeValue('NaN', col('real'))).toBe('NaN');
    expect(canonicalizeSnowflakeValue('inf', col('real'))).toBe('inf');
  });

  it('parses VARIANT text losslessly, keys sorted', () => {
    const value = canonicalizeSnowflakeValue(
      '{"b":123456789012345678901234567890,"a":[{"y":1,"x":null}]}',
      col('variant'),
    );
    expect(canonicalJson(value)).toBe('{"a":[{"x":null,"y":1}],"b":123456789012345678901234567890}');
    expect((value as { b: JsonNumber }).b).toBeInstanceOf(JsonNumber);
  });

  it('writes timestamps in UTC ISO with microseconds, TZ/LTZ with Z and NTZ without', () => {
    const instant = sfDate(1_700_000_000, 123_456_789);
    expect(canonicalizeSnowflakeValue(instant, col('timestamp_tz'))).toBe('2023-11-14T22:13:20.123456Z');
    expect(canonicalizeSnowflakeValue(instant, col('timestamp_ltz'))).toBe('2023-11-14T22:13:20.123456Z');
    expect(canonicalizeSnowflakeValue(instant, col('timestamp_ntz'))).toBe('2023-11-14T22:13:20.123456');
    expect(canonicalizeSnowflakeValue(sfDate(-1, 500_000), col('timestamp_tz'))).toBe(
      '1969-12-31T23:59:59.000500Z',
    );
  });

  it('writes a DATE as YYYY-MM-DD', () => {
    expect(canonicalizeSnowflakeValue(sfDate(19_000 * 86_400, 0), col('date'))).toBe('2022-01-08');
  });

  it('writes BINARY as base64, like bytea', () => {
    expect(canonicalizeSnowflakeValue(Buffer.from([0xde, 0xad, 0xbe, 0xef]), col('binary'))).toBe('3q2+7w==');
    expect(canonicalizeSnowflakeValue('DEADBEEF', col('binary'))).toBe('3q2+7w==');
  });

  it('keeps text, booleans and NULL', () => {
    expect(canonicalizeSnowflakeValue('Zoë 😀', col('text'))).toBe('Zoë 😀');
    expect(canonicalizeSnowflakeValue(true, col('boolean'))).toBe(true);
    expect(canonicalizeSnowflakeValue(null, col('fixed'))).toBeNull();
    expect(canonicalizeSnowflakeValue(undefined, col('variant'))).toBeNull();
  });
});
