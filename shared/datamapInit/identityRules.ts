import type { Normalization } from '../identity/Normalization';
import type { DetectorId } from '../scan/detectors/Detector';
import { nameWords } from '../scan/detectors/Detector';
import { isPhoneName } from '../scan/detectors/phone';

/** How each proposed identity kind is normalised before it is searched for. */
export function normalizationOf(kind: string): Normalization {
  if (kind === 'email') return 'lowercase';
  if (kind === 'phone') return 'digits';
  return 'none';
}

/**
 * The identity kind a text column's name suggests (`email`, `alt_email`, `mobile`), with the
 * reason; undefined when it suggests none. Ids (`customer_id`) are never identity kinds by name:
 * they are references, proposed as `follow` edges once their values are found in the table named.
 */
export function identityFromName(column: string): { kind: 'email' | 'phone'; reason: string } | undefined {
  const words = nameWords(column);
  if (words.includes('email')) return { kind: 'email', reason: 'column name suggests an e-mail address' };
  if (isPhoneName(column) && !words.includes('fax'))
    return { kind: 'phone', reason: 'column name suggests a phone number' };
  return undefined;
}

/** The singular of a table or column name, by its last word: `addresses` → `address`, `people` → `person`. */
export function singularOf(name: string): string {
  const words = nameWords(name);
  const last = words.pop() ?? '';
  let one = last;
  if (last === 'people') one = 'person';
  else if (last.endsWith('ies') && last.length > 4) one = `${last.slice(0, -3)}y`;
  else if (/(sses|xes|ches|shes|zzes)$/.test(last)) one = last.slice(0, -2);
  else if (last.endsWith('s') && !last.endsWith('ss') && !last.endsWith('us') && last.length > 2)
    one = last.slice(0, -1);
  return [...words, one].join('_');
}

/** Names of tables that hold one person per row: `users`, `customers`, `staff`. */
const PERSON_ENTITIES = new Set([
  'user',
  'customer',
  'account',
  'member',
  'person',
  'client',
  'patient',
  'employee',
  'staff',
  'subscriber',
  'contact',
  'student',
  'driver',
  'guest',
  'profile',
]);

/** Whether a table's name says it holds people (`app_users`, `customers`, `people`). */
export function namesPeople(table: string): boolean {
  const last =
    singularOf(table.slice(table.indexOf('.') + 1))
      .split('_')
      .at(-1) ?? '';
  return PERSON_ENTITIES.has(last);
}

/** The identity kind of a person table's key: `customers` → `customer_id`; undefined when no valid kind. */
export function personKindOf(table: string): string | undefined {
  const kind = `${singularOf(table.slice(table.indexOf('.') + 1))}_id`;
  return /^[a-z][a-z0-9_]*$/.test(kind) ? kind : undefined;
}

/** Columns that hold secrets rather than personal data about the subject: proposed for `exclude`. */
export function looksLikeCredential(column: string): boolean {
  const words = nameWords(column);
  return (
    words.some((w) => ['password', 'passwd', 'secret', 'salt', 'token', 'otp', 'mfa', 'totp'].includes(w)) ||
    (words.at(-1) === 'hash' && words.length > 1)
  );
}

/** The category of personal data each detector recognises, as a data map's `categories` names it. */
export const CATEGORY_OF: Readonly<Record<DetectorId, string>> = {
  email: 'contact.email',
  phone: 'contact.phone',
  postal_address: 'contact.address',
  person_name: 'identity.name',
  date_of_birth: 'identity.date_of_birth',
  us_ssn: 'identity.national_id',
  ip_address: 'online.ip_address',
  credit_card: 'financial.card',
  iban: 'financial.bank_account',
};

/**
 * Words that name the people who handle other people's records (`staff_id`, `support_rep_id`,
 * `employees`): the workforce side of a table that mentions a customer and an employee.
 */
const WORKFORCE_WORDS = new Set([
  'staff',
  'employee',
  'agent',
  'rep',
  'representative',
  'manager',
  'clerk',
  'cashier',
  'operator',
  'handler',
  'handled',
  'assignee',
  'assigned',
  'salesperson',
  'worker',
  'officer',
  'admin',
  'administrator',
  'approver',
  'approved',
  'reviewer',
  'processed',
  'created',
  'updated',
  'actor',
  'tagger',
  'doctor',
  'physician',
  'nurse',
  'clinician',
  'practitioner',
  'therapist',
  'dentist',
  'prescriber',
  'prescribed',
]);

/** Whether a table or column name names the workforce (`staff`, `support_rep_id`, `handled_by`). */
export function namesWorkforce(name: string): boolean {
  const bare = name.slice(name.lastIndexOf('.') + 1);
  return (
    nameWords(singularOf(bare)).some((w) => WORKFORCE_WORDS.has(w)) ||
    nameWords(bare).some((w) => WORKFORCE_WORDS.has(w))
  );
}

/** Names of tables that hold details of whoever points at them: addresses, contact details, profiles. */
const DETAIL_ENTITIES = new Set(['address', 'contact', 'detail', 'profile', 'location', 'phone', 'info']);

/** Whether a table's name says it holds details that belong to whoever refers to it. */
export function namesDetails(table: string): boolean {
  const last =
    singularOf(table.slice(table.indexOf('.') + 1))
      .split('_')
      .at(-1) ?? '';
  return DETAIL_ENTITIES.has(last);
}
