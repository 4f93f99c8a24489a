import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import { InvalidInputError } from '../errors/errors';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import { subjectHash } from '../identity/subjectHash';
import { buildFindingsDocument, type FindingsDocument } from './FindingsDocument';
import { FindingsSpill, type FindingsSpillOptions, type SpilledFindings } from './FindingsSpill';
import type { MetRowSink } from './MetRow';
import { identityKey, planSearch } from './planSearch';
import type { SearchableTable, TableSearcher } from './SearchableTable';
import { traverse, traverseInto } from './traverse';

export interface DiscoverSubjectDeps {
  readonly dataMap: DataMap;
  readonly searchers: Partial<Record<System, TableSearcher>>;
  /** Key of the subject HMAC (`DSR_SUBJECT_HASH_KEY` locally, Secrets Manager in AWS). */
  readonly subjectHashKey: string | Buffer;
  readonly tableConcurrency?: number;
  /** Search the Snowflake mirrors of PostgreSQL tables too. @default false */
  readonly searchMirrors?: boolean;
  /**
   * Heap `discoverSubject` may hold rows in, estimated (`TraverseOptions.maxHeldBytes`): more stop
   * it with `SubjectTooLargeError`. The streamed discovery holds none. @default no limit
   */
  readonly maxHeldBytes?: number;
  /** See `TraverseOptions.followGuard`. @default true */
  readonly followGuard?: boolean;
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
  /**
   * Per identity kind, the normalised values searched: the request's and the learned values
   * followed (`TraversalOutline.identities`). For the proof of an erasure; never logged.
   */
  readonly identities: Readonly<Record<string, readonly string[]>>;
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
    ...(deps.maxHeldBytes !== undefined ? { maxHeldBytes: deps.maxHeldBytes } : {}),
    ...(deps.followGuard === false ? { followGuard: false } : {}),
  });
  return {
    document: buildFindingsDocument({
      requestId: input.requestId,
      subjectHash: subjectHash(deps.subjectHashKey, normalized),
      tables: result.tables,
      notFollowed: result.notFollowed,
      unparsedPhones: result.unparsedPhones,
    }),
    notSearched: result.notSearched,
    rounds: result.rounds,
    identities: result.identities,
  };
}

export interface DiscoverSubjectStreamResult {
  /** The findings in a temporary file; call `dispose()` when done with them. */
  readonly findings: SpilledFindings;
  readonly notSearched: readonly { system: System; table: string }[];
  readonly rounds: number;
  /** Sorted runs written to disk (0 when every table's rows fitted in the spill's memory budget). */
  readonly runs: number;
}

/**
 * {@link discoverSubject} with memory bounded by the page size, the spill's run budget and the
 * identity frontier, not by the subject: rows go from the searchers' pages to a
 * {@link FindingsSpill} as they are canonicalised, are sorted on disk, and end in one findings
 * file hashed as it is written. The findings, their order, counts and evidence hash are exactly
 * those of `discoverSubject` for the same data (`serializeFindingsSource` gives the same bytes as
 * `serializeFindingsDocument`). The temporary directory is removed on failure; on success the
 * caller disposes of the findings.
 */
export async function discoverSubjectStream(
  deps: DiscoverSubjectDeps & {
    readonly spill?: FindingsSpillOptions;
    /** Called for every row met (a row met again counts again): what a progress line shows. */
    readonly onRowMet?: (table: SearchableTable) => void;
  },
  input: DiscoverSubjectInput,
): Promise<DiscoverSubjectStreamResult> {
  const normalized = normalizeSubject(deps.dataMap, input.identifiers);
  const seeds = new Map(Object.entries(normalized).map(([kind, values]) => [identityKey(kind), values]));
  const spill = new FindingsSpill(deps.spill);
  try {
    const outline = await traverseInto(
      planSearch(deps.dataMap, { mirrors: deps.searchMirrors }),
      seeds,
      {
        searchers: deps.searchers,
        tableConcurrency: deps.tableConcurrency,
        ...(deps.followGuard === false ? { followGuard: false } : {}),
      },
      deps.onRowMet ? withRowMet(spill, deps.onRowMet) : spill,
    );
    const findings = spill.finish({
      requestId: input.requestId,
      subjectHash: subjectHash(deps.subjectHashKey, normalized),
      tables: outline.tables,
      unreadable: outline.unreadable,
      notFollowed: outline.notFollowed,
      unparsedPhones: outline.unparsedPhones,
    });
    return { findings, notSearched: outline.notSearched, rounds: outline.rounds, runs: spill.runsWritten };
  } catch (error) {
    await spill.discard();
    throw error;
  }
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
      ...new Set(
        values.map((v) => normalizeIdentifier(v, spec.normalize, spec.region)).filter((v) => v !== ''),
      ),
    ];
    if (kept.length > 0) normalized[kind] = kept.sort();
  }
  if (Object.keys(normalized).length === 0)
    throw new InvalidInputError('the subject carries no usable identifier');
  return normalized;
}

/** A sink that tells `onRowMet` of each row before handing it on to `sink`. */
function withRowMet(sink: MetRowSink, onRowMet: (table: SearchableTable) => void): MetRowSink {
  return {
    met: (table, met) => {
      onRowMet(table);
      sink.met(table, met);
    },
    ...(sink.rowsAsJson ? { rowsAsJson: true } : {}),
  };
}
