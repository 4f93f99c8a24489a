import { type Detector, nameWords } from './Detector';

/** Oldest age taken as plausible. */
const MAX_AGE_YEARS = 120;

/** Whether a column or key name speaks of birth: `dob`, `date_of_birth`, `birthDate`, `birthday`. */
export function isBirthName(name: string): boolean {
  const words = nameWords(name);
  return words.some((w) => w === 'dob' || w === 'birthdate' || w === 'birthday' || w.startsWith('birth'));
}

/**
 * Dates of birth: a date (PostgreSQL's ISO text, or an ISO date string in JSON) within the last
 * 120 years and not in the future, in a column or key whose name speaks of birth. The name is
 * required: without it a date is as likely an order date.
 */
export const dateOfBirth: Detector = {
  id: 'date_of_birth',
  matches: (value, context) => {
    if (!isBirthName(context.name)) return false;
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(value.trim());
    if (!m) return false;
    const date = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    const earliest = Date.UTC(context.now.getUTCFullYear() - MAX_AGE_YEARS, 0, 1);
    return Number.isFinite(date) && date >= earliest && date <= context.now.getTime();
  },
};
