import type { DataMap } from '../datamap/dataMapSchema';
import { InvalidInputError } from '../errors/errors';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import { subjectHash } from '../identity/subjectHash';
import { buildFindingsDocument, type FindingsDocument } from './FindingsDocument';
import { identityKey, planSearch } from './planSearch';
import type { System, TableSearcher } from './SearchableTable';
import { traverse } from './traverse';

export interface DiscoverSubjectDeps {
  readonly dataMap: DataMap;
  readonly searchers: Partial<Record<System, TableSearcher>>;
  /** Key of the subject HMAC (`DSR_SUBJECT_HASH_KEY` locally, Secrets Manager in AWS). */
  readonly subjectHashKey: string | Buffer;
  readonly tableConcurrency?: number;
  /** Search the Snowflake mirrors of PostgreSQL tables too. @default false */
  readonly searchMirrors?: boolean;
}

export interface DiscoverSubjectInput {
  readonly requestId: string;
  /** Identity kind → raw values, as the request carries them. */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
}

export interface DiscoverSubjectResult {
  readonly document: FindingsDocument;
  readonly notSearched: readonly { system: System; table: string }[];
  readonly rounds: number;
}

/**
 * Finds every row about one subject: normalises the request's identifiers as the data map says,
 * traverses the map to a fixed point, and returns the canonical findings with their evidence hash.
 * Throws {@link InvalidInputError} for an identity kind the map lacks or a subject with no usable
 * identifier; the messages name kinds, never values.
 */
export async function discoverSubject(
  deps: DiscoverSubjectDeps,
  input: DiscoverSubjectInput,
): Promise<DiscoverSubjectResult> {
  const normalized = normalizeSubject(deps.dataMap, input.identifiers);
  const seeds = new Map(Object.entries(normalized).map(([kind, values]) => [identityKey(kind), values]));
  const result = await traverse(planSearch(deps.dataMap, { mirrors: deps.searchMirrors }), seeds, {
    searchers: deps.searchers,
    tableConcurrency: deps.tableConcurrency,
  });
  return {
    document: buildFindingsDocument({
      requestId: input.requestId,
      subjectHash: subjectHash(deps.subjectHashKey, normalized),
      tables: result.tables,
    }),
    notSearched: result.notSearched,
    rounds: result.rounds,
  };
}

/** Normalises identifiers per kind, dropping empty results; refuses unknown kinds and empty subjects. */
export function normalizeSubject(
  map: DataMap,
  identifiers: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const normalized: Record<string, string[]> = {};
  for (const [kind, values] of Object.entries(identifiers)) {
    const spec = map.identities[kind];
    if (!spec) {
      // The kind is echoed only when it looks like a kind name: a hostile key could itself be PII.
      const shown = /^[a-z][a-z0-9_]{0,40}$/.test(kind) ? `"${kind}"` : '(not shown)';
      throw new InvalidInputError(
        `unknown identity kind ${shown}; the data map declares: ${Object.keys(map.identities).join(', ')}`,
      );
    }
    const kept = [
      ...new Set(values.map((v) => normalizeIdentifier(v, spec.normalize)).filter((v) => v !== '')),
    ];
    if (kept.length > 0) normalized[kind] = kept.sort();
  }
  if (Object.keys(normalized).length === 0)
    throw new InvalidInputError('the subject carries no usable identifier');
  return normalized;
}
