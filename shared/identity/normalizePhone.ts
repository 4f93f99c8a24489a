import {
  type CountryCode,
  getCountryCallingCode,
  isSupportedCountry,
  Metadata,
  parsePhoneNumberFromString,
} from 'libphonenumber-js';

/** A phone number normalised: E.164 (`+12065559482`) when it parses, else its ASCII digits. */
export interface NormalizedPhone {
  readonly value: string;
  /** False when the value was not a possible number under the region: `value` is then its digits. */
  readonly parsed: boolean;
}

/**
 * Normalises a phone number as libphonenumber-js reads it, numbers written without a country code
 * being read in `region` (ISO 3166 alpha-2): `+1 206 555 9482`, `(206) 555-9482`, `206.555.9482`
 * and `001 206 555 9482` are all `+12065559482` under `US`, while `+44 20 7946 0958` is
 * `+442079460958` and `(207) 946-0958` is `+12079460958`. A number the library does not find
 * possible (too short or too long for its country) is tried once more with a leading `00` read as
 * `+` (the international prefix ITU-T E.164 recommends, used by most countries, which the
 * library reads only where it is the region's own); failing that, it is compared as its digits.
 */
export function normalizePhone(value: string, region?: string): NormalizedPhone {
  const country = region && isSupportedCountry(region) ? (region as CountryCode) : undefined;
  const digits = value.replace(/[^0-9]/g, '');
  const parse = (text: string) => {
    const number = parsePhoneNumberFromString(text, country ? { defaultCountry: country } : {});
    return number?.isPossible() ? number.number : undefined;
  };
  const e164 = parse(value) ?? (digits.startsWith('00') ? parse(`+${digits.slice(2)}`) : undefined);
  return e164 ? { value: e164, parsed: true } : { value: digits, parsed: false };
}

/**
 * The digit strings a stored number that normalises to `normalized` may reduce to once its
 * non-digits are removed, so that a digits index finds its candidates: country code and national
 * number, with the `00` and the region's own international prefix, and, for a number of the
 * region's country, the national number alone and with the region's national prefix. A value that
 * did not parse is its own only candidate. Candidates over-match (`2079460958` is both a London
 * national number and a US one): the caller keeps only rows whose value normalises to
 * `normalized`.
 */
export function phoneSearchCandidates(normalized: string, region?: string): string[] {
  if (!normalized.startsWith('+')) return [normalized];
  const number = parsePhoneNumberFromString(normalized);
  if (!number) return [normalized.slice(1)];
  const cc = number.countryCallingCode;
  const nsn = number.nationalNumber;
  const candidates = new Set([`${cc}${nsn}`, `00${cc}${nsn}`]);
  if (region && isSupportedCountry(region)) {
    const plan = new Metadata();
    plan.selectNumberingPlan(region as CountryCode);
    const numbering = plan.numberingPlan;
    const idd = numbering?.defaultIDDPrefix() ?? numbering?.IDDPrefix();
    if (idd && /^[0-9]+$/.test(idd)) candidates.add(`${idd}${cc}${nsn}`);
    if (getCountryCallingCode(region as CountryCode) === cc) {
      // The national form, its prefix included (`020 7946 0958`, `(206) 555-9482`), as digits.
      const national = number.formatNational().replace(/[^0-9]/g, '');
      candidates.add(nsn);
      candidates.add(national);
      candidates.add(`${cc}${national}`);
    }
  }
  return [...candidates].sort();
}

/**
 * The values a searcher binds for a search with `values`: for `normalize: phone`, each number's
 * candidate digit forms ({@link phoneSearchCandidates}), sorted; otherwise the values themselves.
 */
export function boundSearchValues(
  values: readonly string[],
  input: { readonly normalize: string; readonly region?: string },
): string[] {
  if (input.normalize !== 'phone') return [...values];
  return [...new Set(values.flatMap((v) => phoneSearchCandidates(v, input.region)))].sort();
}

/**
 * Counts, for each searched number in `counts` (E.164, starting at 0), the read phone texts that
 * normalise to it, at most `cap` each. The candidate digit forms a searcher binds over-match, so
 * both systems read the numbers themselves and count them here. Texts that normalise to no
 * searched number (or are NULL) are passed over.
 */
export function tallyPhoneNumbers(
  counts: Map<string, number>,
  texts: Iterable<string | null | undefined>,
  region: string | undefined,
  cap: number,
): Map<string, number> {
  for (const text of texts) {
    if (text == null) continue;
    const number = normalizePhone(text, region).value;
    const n = counts.get(number);
    if (n !== undefined) counts.set(number, Math.min(cap, n + 1));
  }
  return counts;
}

/** Whether `region` is a country libphonenumber-js has numbering metadata for. */
export function isPhoneRegion(region: string): boolean {
  return isSupportedCountry(region);
}
