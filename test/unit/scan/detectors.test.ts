import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS } from '../../../shared/scan/detectors/allDetectors';
import { creditCard, isCardName, isCardNumber } from '../../../shared/scan/detectors/creditCard';
import type { Detector } from '../../../shared/scan/detectors/Detector';
import { dateOfBirth } from '../../../shared/scan/detectors/dateOfBirth';
import { email } from '../../../shared/scan/detectors/email';
import { iban, ibanChecksumValid } from '../../../shared/scan/detectors/iban';
import { ipAddress } from '../../../shared/scan/detectors/ipAddress';
import { luhnValid } from '../../../shared/scan/detectors/luhn';
import { personName } from '../../../shared/scan/detectors/personName';
import { isPhoneName, phone } from '../../../shared/scan/detectors/phone';
import { postalAddress } from '../../../shared/scan/detectors/postalAddress';
import { usSsn } from '../../../shared/scan/detectors/ssn';

const NOW = new Date('2026-06-01T00:00:00Z');
const test = (detector: Detector, value: string, name = 'value') =>
  detector.matches?.(value, { name, now: NOW }) ?? false;

function withLuhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error('unreachable');
}

/** Values that look structured but are not personal data: no detector may fire on them. */
const LOOK_ALIKES = [
  '4111111111111112', // Visa prefix, fails Luhn
  '5500 0000 0000 0005', // grouped, fails Luhn
  '1234567812345678', // no card prefix
  'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  '9f86d081884c7d659a2fea0a08822f06c15b0b822cd15d6c15b0f00a08',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '2025-11-26T10:21:30.123Z',
  '2025-11-26 10:21:30+00',
  '1.2.3',
  '10.0.19045.3693',
  '2.14.0-beta.1',
  'GB82WEST12345698765433', // IBAN with a wrong check
  'DE89370400440532013001',
  'ORD-2024-000123',
  '0000123456',
  'true',
  '42',
];

describe('Detectors: look-alikes', () => {
  it.each(LOOK_ALIKES)('no detector takes %s for PII by value', (value) => {
    expect(ALL_DETECTORS.filter((d) => test(d, value, 'reference')).map((d) => d.id)).toEqual([]);
  });

  it('never takes a random UUID for PII', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => ALL_DETECTORS.every((d) => !test(d, uuid, 'id'))),
      { numRuns: 500 },
    );
    expect(ALL_DETECTORS.some((d) => test(d, randomUUID()))).toBe(false);
  });

  it('never takes a SHA-256 hex digest for PII', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (hex) => ALL_DETECTORS.every((d) => !test(d, hex))),
      { numRuns: 300 },
    );
  });
});

describe('Detector: email', () => {
  it.each([
    'ana@example.com',
    'Ana.Lopez+dsr@Mail.Example.co.uk',
    'chloé.dubois@exemple.fr',
    " o'brien@x.io ",
  ])('matches %s', (value) => expect(test(email, value)).toBe(true));
  it.each(['ana@localhost', 'ana.example.com', 'a@b@c.com', 'ana @example.com', '@example.com', 'ana@.com'])(
    'does not match %s',
    (value) => expect(test(email, value)).toBe(false),
  );
});

describe('Detector: phone', () => {
  it.each([
    '+442079460011',
    '+44 20 7946 0011',
    '+1 (415) 555-0134',
    '(415) 555-0134',
    '415.555.0134',
    '020 7946 0958',
    '07700900123',
    '0151 23456789',
  ])('matches %s', (value) => expect(test(phone, value)).toBe(true));
  it.each([
    '4155550134',
    '12345',
    '+0123456789',
    '2025-11-26',
    '123-45-6789',
    '+44 20 7946 0011 ext. 5',
    '0012345678',
  ])('does not match %s', (value) => expect(test(phone, value)).toBe(false));

  it.each(['030-0074321', '(171) 555-7788', '+49 30 1234567', '0621-08460', '(91) 555 22 82'])(
    'matches the national form %s in a column of any name',
    (value) => expect(test(phone, value, 'contact')).toBe(true),
  );

  it('takes digits in groups of two to four for a phone or fax in a column named so, and not elsewhere', () => {
    // 88.60.15.31 (a French number before 1996) is also grouped as Denmark writes its numbers.
    expect(test(phone, '88.60.15.31', 'Fax')).toBe(true);
    expect(test(phone, '88.60.15.31', 'Phone')).toBe(true);
    expect(test(phone, '12.34.56', 'Fax')).toBe(true);
    expect(test(phone, '12.34.56', 'version')).toBe(false);
    expect(test(phone, '10.0.19045', 'phone')).toBe(false);
  });
});

describe('Detector: ip_address', () => {
  it.each(['203.0.113.7', '10.0.0.1', '2001:db8::1', 'fe80::1%eth0', '::ffff:192.0.2.1'])(
    'matches %s',
    (value) => expect(test(ipAddress, value)).toBe(true),
  );
  it.each(['256.1.1.1', '01.2.3.4', '1.2.3', '10.0.19045.3693', '12:30', 'abc::xyz'])(
    'does not match %s',
    (value) => expect(test(ipAddress, value)).toBe(false),
  );
});

describe('Detector: credit_card', () => {
  it.each([
    '4111111111111111',
    '4111 1111 1111 1111',
    '5500-0000-0000-0004',
    '378282246310005',
    '6011111111111117',
    '3530111333300000',
    '2223003122003222',
  ])('matches %s', (value) => expect(test(creditCard, value)).toBe(true));
  it.each([
    '4111111111111112',
    '1234567812345670',
    '411111111111',
    '4111-1111-1111-1111-1111',
    '4111x1111x1111x1111',
  ])('does not match %s', (value) => expect(test(creditCard, value)).toBe(false));

  it('detects every Luhn-valid number with a known prefix and length', () => {
    const network = fc.constantFrom(
      { prefix: '4', length: 16 },
      { prefix: '51', length: 16 },
      { prefix: '2221', length: 16 },
      { prefix: '34', length: 15 },
      { prefix: '6011', length: 16 },
      { prefix: '62', length: 19 },
    );
    fc.assert(
      fc.property(
        network,
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 17, maxLength: 17 }),
        (n, digits) => {
          const body = n.prefix + digits.join('').slice(0, n.length - n.prefix.length - 1);
          return test(creditCard, withLuhnDigit(body));
        },
      ),
    );
  });

  it('rejects every number whose Luhn check fails', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^4\d{14}$/), fc.integer({ min: 1, max: 9 }), (body, shift) => {
        const valid = withLuhnDigit(body);
        const broken = valid.slice(0, -1) + String((Number(valid.slice(-1)) + shift) % 10);
        return !isCardNumber(broken) && !test(creditCard, broken);
      }),
    );
  });
});

describe('Detector: iban', () => {
  it.each([
    'GB82WEST12345698765432',
    'DE89370400440532013000',
    'DE89 3704 0044 0532 0130 00',
    'FR1420041010050500013M02606',
    'NO9386011117947',
  ])('matches %s', (value) => expect(test(iban, value)).toBe(true));
  it.each([
    'GB82WEST12345698765433',
    'DE8937040044053201300',
    'XX89370400440532013000',
    'gb82west12345698765432',
    'GB82 WEST 1234',
  ])('does not match %s', (value) => expect(test(iban, value)).toBe(false));
  it('passes the mod-97 check only with the right check digits', () => {
    expect(ibanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanChecksumValid('GB83WEST12345698765432')).toBe(false);
  });
});

describe('Detector: us_ssn', () => {
  it.each(['123-45-6789', '078-05-1121', '665-12-3456'])('matches %s', (value) =>
    expect(test(usSsn, value)).toBe(true),
  );
  it.each([
    '000-12-3456',
    '666-12-3456',
    '900-12-3456',
    '123-00-4567',
    '123-45-0000',
    '123456789',
    '12-345-6789',
  ])('does not match %s', (value) => expect(test(usSsn, value)).toBe(false));
  it('accepts nine bare digits only in a column named for them', () => {
    expect(test(usSsn, '123456789', 'ssn')).toBe(true);
    expect(test(usSsn, '123456789', 'socialSecurityNumber')).toBe(true);
    expect(test(usSsn, '123456789', 'order_no')).toBe(false);
  });
});

describe('Detector: date_of_birth', () => {
  it('matches plausible dates in columns named for birth', () => {
    for (const name of ['date_of_birth', 'dob', 'birthDate', 'BIRTHDAY', 'birth_dt'])
      expect(test(dateOfBirth, '1985-07-14', name)).toBe(true);
    expect(test(dateOfBirth, '1985-07-14 00:00:00', 'born_on_birthdate')).toBe(true);
  });
  it('does not match dates elsewhere, in the future, or implausibly old', () => {
    expect(test(dateOfBirth, '1985-07-14', 'created_at')).toBe(false);
    expect(test(dateOfBirth, '2030-01-01', 'dob')).toBe(false);
    expect(test(dateOfBirth, '1850-01-01', 'dob')).toBe(false);
    expect(test(dateOfBirth, 'yesterday', 'dob')).toBe(false);
  });
});

describe('Detector: postal_address', () => {
  it.each([
    '221B Baker Street',
    '10 Downing St, London',
    '1600 Pennsylvania Avenue NW',
    'Hauptstraße 5, 10115 Berlin',
    'Via Roma 10',
    'Keizersgracht 123',
  ])('matches %s', (value) => expect(test(postalAddress, value)).toBe(true));
  it.each(['Baker Street', 'London', '10 Downing', 'Street 5 of the plan', 'v1.2.3'])(
    'does not match %s',
    (value) => expect(test(postalAddress, value)).toBe(false),
  );
  it('recognises address columns by name, not references to them', () => {
    for (const name of [
      'address',
      'street',
      'postal_code',
      'zip',
      'postcode',
      'line1',
      'address_line_2',
      'billingAddress',
    ])
      expect(postalAddress.matchesName?.(name)).toBe(true);
    for (const name of ['address_id', 'ip_address', 'email_address', 'mac_address', 'country'])
      expect(postalAddress.matchesName?.(name)).toBe(false);
  });
});

describe('Detector: person_name', () => {
  it('recognises person-name columns by name alone', () => {
    for (const name of [
      'first_name',
      'lastName',
      'FULL_NAME',
      'surname',
      'given_name',
      'cardholder_name',
      'fullname',
    ])
      expect(personName.matchesName?.(name)).toBe(true);
    for (const name of ['name', 'product_name', 'file_name', 'hostname', 'username_hash', 'table_name'])
      expect(personName.matchesName?.(name)).toBe(false);
    expect(personName.matches).toBeUndefined();
  });
});

describe('Detectors: names weighed with values', () => {
  it.each([
    ['14155550134', 'phone'],
    ['447700900123', 'mobile'],
    ['+447700900123', 'tel'],
    ['4915123456789', 'contactPhone'],
    ['33612345678', 'MOBILE_NO'],
  ])('takes bare digits %s in a column named %s for a phone', (value, name) => {
    expect(test(phone, value, name)).toBe(true);
  });

  it.each([
    ['14155550134', 'order_ref'],
    ['447700900123', 'account_number'],
    ['14155550134', 'hotel_code'],
    ['10.0.19045', 'mobile_app_version'],
    ['1234567', 'phone'],
    ['0014155550134', 'phone'],
  ])('does not take %s in a column named %s for a phone', (value, name) => {
    expect(test(phone, value, name)).toBe(false);
  });

  it('takes a Luhn-valid number without a known network prefix for a card only in a card-number column', () => {
    const value = '1234567812345670';
    expect(luhnValid(value)).toBe(true);
    expect(isCardNumber(value)).toBe(false);
    for (const name of ['card_no', 'cardNumber', 'CC_NUM', 'pan', 'card_number_masked'])
      expect(test(creditCard, value, name)).toBe(true);
    for (const name of ['order_ref', 'card_id', 'gift_card', 'card_type', 'reference'])
      expect(test(creditCard, value, name)).toBe(false);
    expect(test(creditCard, '1234567812345671', 'card_no')).toBe(false);
  });

  it('says which names suggest a phone or a card number', () => {
    expect(
      ['phone', 'mobile', 'tel', 'msisdn', 'home_telephone', 'faxNumber'].filter(isPhoneName),
    ).toHaveLength(6);
    expect(['hotel', 'telemetry', 'phoneme', 'order_ref', 'mobility'].filter(isPhoneName)).toEqual([]);
    expect(['card_no', 'cardNo', 'cc_number', 'pan', 'card_nr'].filter(isCardName)).toHaveLength(5);
    expect(['card_id', 'card_type', 'discard_no_reason', 'scorecard', 'panel'].filter(isCardName)).toEqual(
      [],
    );
  });
});
