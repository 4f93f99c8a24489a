import { type Detector, nameWords } from './Detector';

const SEPARATORS = /[\s.\-()/]/g;
/** E.164: `+`, a country code not starting with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{7,14}$/;
/** North American numbers written with separators: `(415) 555-0134`, `415.555.0134`, `+1 415 555 0134`. */
const NANP = /^(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[\s.-]?[2-9]\d{2}[\s.-]?\d{4}$/;
/** National numbers with a trunk prefix 0 (most of Europe, UK, Australia): `020 7946 0958`, `0151 23456789`. */
const TRUNK_ZERO = /^0[1-9]\d{8,11}$/;
const ALLOWED = /^[+\d\s.\-()/]+$/;
/** A subscriber number with its country code, written bare: what a column named for phones holds. */
const BARE = /^\+?[1-9]\d{7,14}$/;
const PHONE_WORDS = new Set(['phone', 'mobile', 'tel', 'telephone', 'msisdn', 'cell', 'cellphone', 'fax']);

/** Whether a column or key name speaks of a telephone: `phone`, `mobile_no`, `tel`, `contactPhone`, `msisdn`. */
export function isPhoneName(name: string): boolean {
  return nameWords(name).some((w) => PHONE_WORDS.has(w) || w === 'phonenumber' || w === 'mobilephone');
}

/**
 * Telephone numbers in E.164 and common national forms. A bare run of digits is accepted only in
 * the trunk-zero form, unless the column is named for phones (`phone`, `mobile`, `tel`): ten or
 * eleven digits without separators are as likely an order reference as a phone, but in a `mobile`
 * column they are a number with its country code (`14155550134`, `447700900123`).
 */
export const phone: Detector = {
  id: 'phone',
  matches: (value, context) => {
    const text = value.trim();
    if (text.length > 24 || !ALLOWED.test(text)) return false;
    const digits = text.replace(SEPARATORS, '');
    if (E164.test(digits)) return true;
    if (NANP.test(text) && /[\s.\-()]/.test(text)) return true;
    if (TRUNK_ZERO.test(digits)) return true;
    return isPhoneName(context.name) && BARE.test(text);
  },
  suggestedByName: isPhoneName,
};
