import type { Normalization } from '../datamap/dataMapSchema';

/**
 * Normalises an identifier value as its identity kind declares, so `Ana@Example.com ` and
 * `ana@example.com` are one subject, and `+44 20 7946 0000` matches `442079460000`.
 * The same rule is applied in SQL to the searched column (see the PostgreSQL searcher).
 */
export function normalizeIdentifier(value: string, normalize: Normalization): string {
  switch (normalize) {
    case 'lowercase':
      return value.trim().toLowerCase();
    case 'digits':
      return value.replace(/[^0-9]/g, '');
    default:
      return value;
  }
}
