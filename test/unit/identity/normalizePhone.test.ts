import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { normalizeIdentifier } from '../../../shared/identity/normalizeIdentifier';
import {
  normalizePhone,
  phoneSearchCandidates,
  tallyPhoneNumbers,
} from '../../../shared/identity/normalizePhone';

describe('Function: normalizePhone', () => {
  it('reads the ways people write one US number as one E.164 number under region US', () => {
    const forms = ['+1 206 555 9482', '(206) 555-9482', '206.555.9482', '001 206 555 9482', '1-206-555-9482'];
    expect(forms.map((f) => normalizePhone(f, 'US'))).toEqual(
      forms.map(() => ({ value: '+12065559482', parsed: true })),
    );
  });

  it('keeps a London number apart from the US number with the same digits', () => {
    expect(normalizeIdentifier('+44 20 7946 0958', 'phone', 'US')).toBe('+442079460958');
    expect(normalizeIdentifier('(207) 946-0958', 'phone', 'US')).toBe('+12079460958');
    expect(normalizeIdentifier('020 7946 0958', 'phone', 'GB')).toBe('+442079460958');
  });

  it('reads national forms in their region: 030-0074321 in DE, 04 91 55 12 34 in FR', () => {
    expect(normalizeIdentifier('030-0074321', 'phone', 'DE')).toBe('+49300074321');
    expect(normalizeIdentifier('0049 30 0074321', 'phone', 'DE')).toBe('+49300074321');
    expect(normalizeIdentifier('04 91 55 12 34', 'phone', 'FR')).toBe('+33491551234');
  });

  it('compares a number that is not possible in its region as its digits', () => {
    expect(normalizePhone('88.60.15.31', 'FR')).toEqual({ value: '88601531', parsed: false });
    expect(normalizePhone('ext. 12', 'US')).toEqual({ value: '12', parsed: false });
  });

  it('gives the digit forms a stored number may reduce to, and a digits value as its own', () => {
    expect(phoneSearchCandidates('+442079460958', 'GB')).toEqual([
      '00442079460958',
      '02079460958',
      '2079460958',
      '4402079460958',
      '442079460958',
    ]);
    expect(phoneSearchCandidates('+12065559482', 'US')).toContain('01112065559482');
    expect(phoneSearchCandidates('88601531', 'FR')).toEqual(['88601531']);
  });
});

describe('Data map: normalize phone', () => {
  const parse = (identity: string) => () =>
    parseDataMap(`version: 1\nidentities:\n  phone: ${identity}\n`, 'phone.yaml');

  it('takes a region', () => {
    expect(parse('{ normalize: phone, region: US }')().identities.phone).toEqual({
      normalize: 'phone',
      region: 'US',
    });
  });

  it('fails without a region, with an unknown region, or with a region on another normalisation', () => {
    expect(parse('{ normalize: phone }')).toThrow(/normalize: phone needs region/);
    expect(parse('{ normalize: phone, region: XX }')).toThrow(/telephone numbering metadata/);
    expect(parse('{ normalize: digits, region: US }')).toThrow(/region applies to normalize: phone only/);
  });
});

describe('Function: tallyPhoneNumbers', () => {
  it('counts the read texts that normalise to each searched number, at most the cap, and passes over the rest', () => {
    const counts = new Map([
      ['+12065559482', 0],
      ['+442079460958', 0],
    ]);
    const read = ['(206) 555-9482', '206.555.9482', null, '(207) 946-0958', '+1 206 555 9482', undefined];
    expect(tallyPhoneNumbers(counts, read, 'US', 2)).toEqual(
      new Map([
        ['+12065559482', 2],
        ['+442079460958', 0],
      ]),
    );
  });
});
