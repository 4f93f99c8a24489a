import { distance } from 'fastest-levenshtein';

/** Up to three candidates close to `name` (edit distance, case-insensitive), best first. */
export function closeMatches(name: string, candidates: Iterable<string>): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...new Set(candidates)]
    .map((candidate) => ({ candidate, d: distance(lower, candidate.toLowerCase()) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

/** ` Did you mean a, b?` or an empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const matches = closeMatches(name, candidates);
  return matches.length > 0 ? ` Did you mean ${matches.join(', ')}?` : '';
}
