/**
 * A table's rows shared with other people, in words, from counts only: "3 row(s) retained: shared
 * with 1 other person (their identifier in the row), reached from 2 row(s) of public.customer
 * outside the subject's data". The same words in the plan, the dry run and the confirmation.
 */
export function describeSharedRows(shared: {
  readonly setting: 'retain' | 'erase' | 'mask-own';
  readonly retained: number;
  readonly changed: number;
  readonly otherPersons: number;
  readonly referencedBy: Readonly<Record<string, number>>;
  readonly through?: number;
}): string {
  const why: string[] = [];
  if (shared.otherPersons > 0)
    why.push(
      `with ${shared.otherPersons} other ${shared.otherPersons === 1 ? 'person' : 'people'} (their identifier in the row)`,
    );
  const refs = Object.entries(shared.referencedBy);
  if (refs.length > 0)
    why.push(
      `reached from ${refs.map(([t, n]) => `${n} row(s) of ${t}`).join(' and ')} outside the subject's data`,
    );
  if (shared.through) why.push(`${shared.through} reached only through shared rows`);
  const reason = `shared ${why.join(', ')}`;
  const parts: string[] = [];
  if (shared.retained > 0) parts.push(`${shared.retained} row(s) retained: ${reason}`);
  if (shared.changed > 0)
    parts.push(
      shared.setting === 'erase'
        ? `${shared.changed} shared row(s) erased anyway (shared: erase)`
        : `${shared.changed} shared row(s) masked in the subject's own columns only (shared: mask-own)`,
    );
  if (shared.retained === 0 && shared.changed === 0) parts.push(reason);
  return parts.join('; ');
}
