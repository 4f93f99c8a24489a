import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { type Detector, nameWords } from './Detector';

const SEPARATORS = /[\s.\-()/]/g;
/** North American numbers written with separators: `(415) 555-0134`, `415.555.0134`, `+1 415 555 0134`. */
const NANP = /^(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[\s.-]?[2-9]\d{2}[\s.-]?\d{4}$/;
/** National numbers with a trunk prefix 0 (most of Europe, UK, Australia): `020 7946 0958`, `0151 23456789`. */
const TRUNK_ZERO = /^0[1-9]\d{8,11}$/;
const ALLOWED = /^[+\d\s.\-()/]+$/;
/** A subscriber number with its country code, written bare: what a column named for phones holds. */
const BARE = /^\+?[1-9]\d{7,14}$/;
const PHONE_WORDS = new Set(['phone', 'mobile', 'tel', 'telephone', 'msisdn', 'cell', 'cellphone', 'fax']);

/**
 * Countries whose national forms are tried, in this order: the regions the sample schemas and
 * most customer bases write numbers in. A value is taken for a national number only when it is
 * possible there and written in that country's own grouping (see {@link groupsAsFormatted}).
 */
const NATIONAL_REGIONS: readonly CountryCode[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'ES',
  'IT',
  'NL',
  'BE',
  'CH',
  'AT',
  'SE',
  'NO',
  'DK',
  'FI',
  'IE',
  'PT',
  'PL',
  'BR',
  'MX',
  'JP',
  'AU',
  'IN',
];

/** Whether a column or key name speaks of a telephone: `phone`, `mobile_no`, `tel`, `contactPhone`, `msisdn`. */
export function isPhoneName(name: string): boolean {
  return nameWords(name).some((w) => PHONE_WORDS.has(w) || w === 'phonenumber' || w === 'mobilephone');
}

/** The lengths of the runs of digits: `030-0074321` → `3,7`. */
function digitGroups(text: string): string {
  return text
    .split(/[^0-9]+/)
    .filter((g) => g.length > 0)
    .map((g) => g.length)
    .join(',');
}

/**
 * Whether a number with separators is a national number of one of {@link NATIONAL_REGIONS}, as
 * libphonenumber-js reads it: possible there, and its digits grouped as that country writes them
 * (`(171) 555-7788` in the US, `030-0074321` in Germany). The grouping keeps dates
 * (`2025-11-26`) and identifiers with dashes (`123-45-6789`) out.
 */
function groupsAsFormatted(text: string): boolean {
  const groups = digitGroups(text);
  if (!groups.includes(',')) return false;
  return NATIONAL_REGIONS.some((region) => {
    const number = parsePhoneNumberFromString(text, region);
    return number?.isPossible() === true && digitGroups(number.formatNational()) === groups;
  });
}

/**
 * Telephone and fax numbers: international numbers libphonenumber-js finds possible
 * (`+49 30 1234567`), national numbers of several countries as they are written there
 * (`(171) 555-7788`, `030-0074321`, `020 7946 0958`), and common North American and trunk-zero
 * forms. A bare run of digits is accepted only in the trunk-zero form, unless the column is named
 * for phones (`phone`, `mobile`, `tel`, `fax`): ten or eleven digits without separators are as
 * likely an order reference as a phone, but in a `mobile` column they are a number with its
 * country code (`14155550134`, `447700900123`). In such a column, digits in groups of two to four
 * (`88.60.15.31`, a French number before 1996) are taken for a phone too.
 */
export const phone: Detector = {
  id: 'phone',
  matches: (value, context) => {
    const text = value.trim();
    if (text.length > 24 || !ALLOWED.test(text)) return false;
    const digits = text.replace(SEPARATORS, '');
    if (digits.startsWith('+')) {
      const number = parsePhoneNumberFromString(digits);
      if (number?.isPossible()) return true;
    }
    if (NANP.test(text) && /[\s.\-()]/.test(text)) return true;
    if (TRUNK_ZERO.test(digits)) return true;
    if (groupsAsFormatted(text)) return true;
    if (!isPhoneName(context.name)) return false;
    if (BARE.test(text)) return true;
    const groups = digitGroups(text).split(',').map(Number);
    return (
      groups.length >= 3 &&
      groups.every((n) => n >= 2 && n <= 4) &&
      digits.length >= 6 &&
      digits.length <= 15 &&
      !digits.startsWith('+')
    );
  },
  suggestedByName: isPhoneName,
};
