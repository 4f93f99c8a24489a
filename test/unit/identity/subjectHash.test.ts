import { describe, expect, it } from 'vitest';
import { normalizeIdentifier } from '../../../shared/identity/normalizeIdentifier';
import { identifierHash, subjectHash } from '../../../shared/identity/subjectHash';

const keyA = 'a'.repeat(32);
const keyB = 'b'.repeat(32);

describe('Function: subjectHash', () => {
  it('hashes the same email differently under two keys, so it cannot be reversed from a list', () => {
    const subject = { email: ['ana@example.com'] };
    expect(subjectHash(keyA, subject)).not.toBe(subjectHash(keyB, subject));
    expect(identifierHash(keyA, 'email', 'ana@example.com')).not.toBe(
      identifierHash(keyB, 'email', 'ana@example.com'),
    );
  });

  it('does not depend on the order of kinds or values', () => {
    expect(subjectHash(keyA, { user_id: ['2', '1'], email: ['x@y.z'] })).toBe(
      subjectHash(keyA, { email: ['x@y.z'], user_id: ['1', '2'] }),
    );
  });

  it('never contains the identifier', () => {
    expect(subjectHash(keyA, { email: ['ana@example.com'] })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('Function: normalizeIdentifier', () => {
  it('lower-cases and trims emails, keeps only digits of phones, leaves others alone', () => {
    expect(normalizeIdentifier('  Ana.Lopez@Example.COM ', 'lowercase')).toBe('ana.lopez@example.com');
    expect(normalizeIdentifier('+44 (20) 7946-0011', 'digits')).toBe('442079460011');
    expect(normalizeIdentifier(' 42 ', 'none')).toBe(' 42 ');
  });
});
