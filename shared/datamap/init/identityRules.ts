import { nameWords } from '../../scan/detectors/Detector';
import type { Normalization } from '../dataMapSchema';

/** Entities whose id identifies a person: `user_id`, `customer_id`, a `users` table's `id`. */
const PERSON_ENTITIES = [
  'user',
  'customer',
  'account',
  'member',
  'person',
  'client',
  'patient',
  'employee',
  'subscriber',
  'contact',
] as const;

/** How each proposed identity kind is normalised before it is searched for. */
export function normalizationOf(kind: string): Normalization {
  if (kind === 'email') return 'lowercase';
  if (kind === 'phone') return 'digits';
  return 'none';
}

/**
 * The identity kind a column's name suggests, with the reason; undefined when it suggests none.
 * `text` says whether the column holds text: e-mail and phone kinds are normalised as text.
 */
export function identityFromName(
  column: string,
  text: boolean,
): { kind: string; reason: string } | undefined {
  const words = nameWords(column);
  if (text && words.includes('email'))
    return { kind: 'email', reason: 'column name suggests an e-mail address' };
  if (text && words.some((w) => w === 'phone' || w === 'mobile' || w === 'msisdn' || w === 'telephone'))
    return { kind: 'phone', reason: 'column name suggests a phone number' };
  const [entity, id, ...rest] = words;
  if (rest.length === 0 && id === 'id' && PERSON_ENTITIES.some((e) => e === entity))
    return { kind: `${entity}_id`, reason: `column name suggests the id of a ${entity}` };
  return undefined;
}

/** The identity kind of a table's single-column primary key when the table holds people (`users.id`). */
export function identityFromKeyTable(table: string): { kind: string; reason: string } | undefined {
  const name = table.slice(table.indexOf('.') + 1);
  const words = nameWords(name);
  const last = words.at(-1) ?? '';
  const singular = last.endsWith('s') ? last.slice(0, -1) : last;
  const entity = PERSON_ENTITIES.find((e) => e === singular);
  return entity && words.length === 1
    ? { kind: `${entity}_id`, reason: `primary key of a table of ${entity}s` }
    : undefined;
}

/** Columns that hold secrets rather than personal data about the subject: proposed for `exclude`. */
export function looksLikeCredential(column: string): boolean {
  const words = nameWords(column);
  return (
    words.some((w) => ['password', 'passwd', 'secret', 'salt', 'token', 'otp', 'mfa', 'totp'].includes(w)) ||
    (words.at(-1) === 'hash' && words.length > 1)
  );
}
