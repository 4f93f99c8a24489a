import { tablesOf } from './checkDataMapStructure';
import type { DataMap } from './dataMapSchema';

/** Something a valid data map allows but that may make discovery report other people's rows. */
export interface DataMapWarning {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Warns where the map learns identifiers from a table whose rows may be about several people:
 * learned values become the subject's own, so a row about a staff member and a customer would make
 * the customer's identifiers the staff member's.
 * - a table that learns and is reached through a follow edge (the row found may be someone else's);
 * - a table that learns some identity kinds and maps another it does not learn.
 */
export function dataMapWarnings(map: DataMap): DataMapWarning[] {
  const warnings: DataMapWarning[] = [];
  for (const { system, i, spec } of tablesOf(map)) {
    if (spec.learn.length === 0) continue;
    const learned = spec.learn.join(', ');
    if (Object.keys(spec.follow).length > 0)
      warnings.push({
        path: [system, i, 'learn'],
        message: `${spec.table} learns ${learned} and is searched through a follow edge: rows reached through a follow edge may be about someone else`,
      });
    const unlearned = Object.keys(spec.identities).filter((kind) => !spec.learn.includes(kind));
    if (unlearned.length > 0)
      warnings.push({
        path: [system, i, 'learn'],
        message: `${spec.table} learns ${learned} but also maps ${unlearned.join(', ')}, which it does not learn: its rows may mention several people, e.g. a staff member and a customer; learn from it only if each row describes one person`,
      });
  }
  return warnings;
}
