/** What a detector recognises. Stable: the ids appear in reports and in `--format json` output. */
export type DetectorId =
  | 'email'
  | 'phone'
  | 'ip_address'
  | 'credit_card'
  | 'iban'
  | 'us_ssn'
  | 'date_of_birth'
  | 'postal_address'
  | 'person_name';

/** Where a sampled value comes from. */
export interface ValueContext {
  /** The column name, or the last key of the JSON path, in the case the catalog spells it. */
  readonly name: string;
  /** Today, for range checks such as a plausible date of birth. */
  readonly now: Date;
}

/**
 * Recognises one kind of personal data from sampled values, from the name of the column (or JSON
 * key) holding them, or from both. A detector never keeps or returns the values it sees.
 */
export interface Detector {
  readonly id: DetectorId;
  /** Whether one sampled value is this kind of data. Absent for detectors that work from names only. */
  readonly matches?: (value: string, context: ValueContext) => boolean;
  /** Whether a column (or JSON key) name alone marks this kind of data. */
  readonly matchesName?: (name: string) => boolean;
  /**
   * Whether a name makes this kind of data likely without proving it (`phone`, `card_no`): such a
   * name admits looser value forms in `matches` and raises the confidence of a match by values,
   * but on its own reports nothing.
   */
  readonly suggestedByName?: (name: string) => boolean;
}

/** Splits `dateOfBirth`, `DATE_OF_BIRTH` and `date-of-birth` alike into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}
