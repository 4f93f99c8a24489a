import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffSeconds } from '../../../shared/resilience/backoff';

describe('Function: backoffSeconds', () => {
  it('grows exponentially with the receive count at the top of the jitter', () => {
    const top = () => 0.9999;
    const delays = [1, 2, 3, 4, 5].map((attempt) => backoffSeconds(attempt, { baseSeconds: 2, random: top }));
    expect(delays).toEqual([2, 4, 8, 16, 32]);
  });

  it('is capped', () => {
    expect(backoffSeconds(30, { baseSeconds: 2, capSeconds: 60, random: () => 0.9999 })).toBe(60);
    expect(backoffSeconds(200, { random: () => 0.9999 })).toBe(900);
    expect(backoffCeiling(100, 2, 43_200)).toBe(43_200);
  });

  it('draws from the full range (full jitter), at least one second', () => {
    expect(backoffSeconds(5, { baseSeconds: 2, random: () => 0 })).toBe(1);
    expect(backoffSeconds(5, { baseSeconds: 2, random: () => 0.5 })).toBe(16);
  });
});
