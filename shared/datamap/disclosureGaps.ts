import { tablesOf } from './checkDataMapStructure';
import type { DataMap } from './dataMapSchema';

/** What the subject's package would leave unsaid, or say as a stub, with where in the map. */
export interface DisclosureGap {
  readonly path: (string | number)[];
  readonly message: string;
}

/** A value `dsr datamap init` wrote for a person to fill in. */
export const STUB_PREFIX = 'TODO';

const DISCLOSED = ['purposes', 'retention', 'source'] as const;

/**
 * Where the map does not yet say what the subject's package must (GDPR Art. 15(1)–(2)): no
 * `controller` block, a value still beginning with `TODO` (the stubs `dsr datamap init` writes),
 * transfers or automated decisions not stated, and tables whose `disclosure` lacks purposes, retention or source. Reported by `dsr datamap
 * validate`; not an error, since discovery and erasure do not need them.
 */
export function disclosureGaps(map: DataMap): DisclosureGap[] {
  const gaps: DisclosureGap[] = [];
  if (!map.controller)
    gaps.push({
      path: ['controller'],
      message: 'no controller block: the package cannot say who is responsible or whom to contact',
    });
  else {
    for (const path of stubsIn(map.controller, ['controller']))
      gaps.push({ path, message: 'still a stub: fill it in' });
    // Said only by the map: `[]` states there are none, left out the package says it was not stated.
    if (map.controller.transfers === undefined)
      gaps.push({
        path: ['controller', 'transfers'],
        message:
          'not stated: the package says so and sends the subject to ask; list the transfers outside the EU/EEA, or write [] when there are none',
      });
    if (map.controller.automatedDecisions === undefined)
      gaps.push({
        path: ['controller', 'automatedDecisions'],
        message:
          'not stated: the package says so and sends the subject to ask; describe them, or write [] when there are none',
      });
  }
  for (const { system, i, spec } of tablesOf(map)) {
    const at: (string | number)[] = [system, i, 'disclosure'];
    const missing = DISCLOSED.filter((field) => spec.disclosure?.[field] === undefined);
    if (missing.length > 0)
      gaps.push({ path: at, message: `${spec.table}: the package cannot say its ${missing.join(', ')}` });
    for (const path of stubsIn(spec.disclosure ?? {}, at))
      gaps.push({ path, message: 'still a stub: fill it in' });
  }
  return gaps;
}

/** Paths of the strings under `value` that begin with the stub marker. */
function stubsIn(value: unknown, path: (string | number)[]): (string | number)[][] {
  if (typeof value === 'string') return value.startsWith(STUB_PREFIX) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => stubsIn(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stubsIn(v, [...path, k]));
  return [];
}
