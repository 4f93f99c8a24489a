import { type Detector, nameWords } from './Detector';

const STREET_TYPES =
  'street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|drive|dr|way|court|ct|place|pl|terrace|crescent|close|square|sq|highway|hwy|parkway|pkwy';
/** `221B Baker Street`, `12 Rue de la Paix` style: a house number, then words ending in a street type. */
const NUMBER_FIRST = new RegExp(
  `^\\d{1,5}[A-Za-z]?,?\\s+(?:[\\p{L}'.-]+\\s+){0,4}(?:${STREET_TYPES})\\.?(?:[\\s,].*)?$`,
  'iu',
);
/** `Hauptstraße 5`, `Keizersgracht 123`, `Via Roma 10` style: street words, then a house number. */
const NUMBER_LAST =
  /^(?:(?:via|rue|calle|avenida|rua|ulica)\s+[\p{L}' .-]+|[\p{L}-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|laan|straat|gracht|vej|gatan|gata|väg|vägen))\s+\d{1,5}[a-z]?(?:[\s,].*)?$/iu;

/** Column or key names of address parts that identify a home: street lines and postal codes. */
export function isAddressName(name: string): boolean {
  const words = nameWords(name);
  const joined = words.join('_');
  return (
    words.includes('address') ||
    words.includes('street') ||
    words.includes('postcode') ||
    words.includes('zip') ||
    words.includes('zipcode') ||
    /(^|_)(postal_code|address_line|addr_line|line_?[12]|addr)(_|$)/.test(joined)
  );
}

/** Postal addresses: street lines recognised from their shape, or columns named for address parts. */
export const postalAddress: Detector = {
  id: 'postal_address',
  matches: (value) => {
    const text = value.trim();
    return text.length <= 200 && (NUMBER_FIRST.test(text) || NUMBER_LAST.test(text));
  },
  // `address_id` refers to an address; `ip_address` and `mac_address` are the IP detector's business.
  matchesName: (name) => {
    const words = nameWords(name);
    return (
      isAddressName(name) &&
      !words.some((w) => w === 'ip' || w === 'mac' || w === 'email') &&
      words.at(-1) !== 'id'
    );
  },
};
