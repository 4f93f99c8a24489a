import { type Detector, nameWords } from './Detector';

const QUALIFIERS = new Set([
  'first',
  'last',
  'middle',
  'given',
  'family',
  'full',
  'legal',
  'maiden',
  'display',
  'contact',
  'customer',
  'holder',
  'cardholder',
  'recipient',
  'sender',
  'person',
  'patient',
  'employee',
  'real',
]);

/**
 * Person names, recognised from the column or key name only (`first_name`, `lastName`, `surname`):
 * a value alone cannot tell a person's name from a product's.
 */
export const personName: Detector = {
  id: 'person_name',
  matchesName: (name) => {
    const words = nameWords(name);
    if (
      words.some(
        (w) =>
          w === 'surname' || w === 'forename' || w === 'firstname' || w === 'lastname' || w === 'fullname',
      )
    )
      return true;
    const i = words.lastIndexOf('name');
    return i > 0 && QUALIFIERS.has(words[i - 1] ?? '');
  },
};
