import { type Detector, nameWords } from './Detector';
import { luhnValid } from './luhn';

/**
 * Issuer prefixes and lengths of the major card networks (ISO/IEC 7812 IINs as the networks publish
 * them): a number must have a known prefix, a length that network issues, and pass the Luhn check.
 */
const NETWORKS: readonly { prefix: RegExp; lengths: readonly number[] }[] = [
  { prefix: /^4/, lengths: [13, 16, 19] }, // Visa
  { prefix: /^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(6011|64[4-9]|65)/, lengths: [16, 17, 18, 19] }, // Discover
  { prefix: /^35(2[89]|[3-8]\d)/, lengths: [16, 17, 18, 19] }, // JCB
  { prefix: /^(30[0-5]|36|38|39)/, lengths: [14, 15, 16, 17, 18, 19] }, // Diners Club
  { prefix: /^62/, lengths: [16, 17, 18, 19] }, // UnionPay
];

/** Whether a digit string is a plausible payment card number (prefix, length, Luhn). */
export function isCardNumber(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits) || !luhnValid(digits)) return false;
  return NETWORKS.some((n) => n.prefix.test(digits) && n.lengths.includes(digits.length));
}

const NUMBER_WORDS = new Set(['no', 'nr', 'num', 'number', 'pan']);

/**
 * Whether a column or key name speaks of a card number: `card_no`, `cardNumber`, `cc_num`, `pan`.
 * `card_id`, `card_type` and `gift_card` do not.
 */
export function isCardName(name: string): boolean {
  const words = nameWords(name);
  if (words.some((w) => w === 'pan' || w === 'cardnumber' || w === 'cardno' || w === 'ccnum')) return true;
  const card = words.findIndex((w) => w === 'card' || w === 'cc');
  return card >= 0 && words.slice(card + 1).some((w) => NUMBER_WORDS.has(w));
}

/**
 * Payment card numbers (PANs), written as digits alone or in groups separated by spaces or dashes.
 * In a column named for card numbers a Luhn-valid number of a card's length is enough: private-label
 * and test ranges have no network prefix this detector knows.
 */
export const creditCard: Detector = {
  id: 'credit_card',
  matches: (value, context) => {
    const text = value.trim();
    if (!/^\d[\d -]{11,22}\d$/.test(text)) return false;
    const digits = text.replace(/[ -]/g, '');
    if (isCardNumber(digits)) return true;
    return isCardName(context.name) && /^\d{13,19}$/.test(digits) && luhnValid(digits);
  },
  suggestedByName: isCardName,
};
