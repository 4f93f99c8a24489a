import type { Normalization } from './Normalization';
import { normalizePhone } from './normalizePhone';

/**
 * The characters trimmed from both ends of a `lowercase` identifier: exactly those of ECMAScript's
 * `String.prototype.trim` (white space and line terminators), listed so that the SQL side can trim
 * the very same set with `btrim(column, …)` (see `shared/postgres/matchExpression.ts`).
 */
export const TRIMMED_CHARACTERS =
  '\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

const TRIMMED = `[${TRIMMED_CHARACTERS}]+`;
const EDGES = new RegExp(`^${TRIMMED}|${TRIMMED}$`, 'gu');

/**
 * Normalises an identifier value as its identity kind declares, so `Ana@Example.com ` and
 * `ana@example.com` are one subject, and `+44 20 7946 0000` matches `442079460000`.
 *
 * - `lowercase`: trimmed of {@link TRIMMED_CHARACTERS}, Unicode NFC (a name typed with a
 *   composed `é` equals one stored decomposed), then lower case;
 * - `digits`: the ASCII digits only;
 * - `phone`: E.164 as libphonenumber-js reads the number in `region`, or its digits when it is not
 *   a possible number (see `normalizePhone`);
 * - `none`: as given.
 *
 * The same rule is applied in SQL to the searched column (see `matchExpression`), so both sides of
 * the comparison are normalised alike.
 */
export function normalizeIdentifier(value: string, normalize: Normalization, region?: string): string {
  switch (normalize) {
    case 'lowercase':
      return value.replace(EDGES, '').normalize('NFC').toLowerCase();
    case 'digits':
      return value.replace(/[^0-9]/g, '');
    case 'phone':
      return normalizePhone(value, region).value;
    default:
      return value;
  }
}
