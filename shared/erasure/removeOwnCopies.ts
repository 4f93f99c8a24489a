import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import { ANNOTATION_STATES } from '../ledger/RequestState';
import {
  claimCheckPrefix,
  deadLetterKey,
  erasurePrefix,
  type PayloadStore,
  packagePrefix,
  quarantineKey,
} from '../payload/PayloadStore';
import type { OwnCopiesRemoved } from './buildErasureReceipt';

/** Where dsr-bridge keeps its own copies of a subject, as ports (Snowflake and S3 in AWS). */
export interface OwnCopiesPorts {
  /** Every request recorded with this subject hash at intake (the current one included). */
  requestsOfSubject(subjectHash: string): Promise<readonly string[]>;
  /** Sets the row values of a request's findings to NULL where they are not yet; returns how many. */
  clearFindingValues(requestId: string): Promise<number>;
  readonly payloads: PayloadStore;
  readonly ledger: Ledger;
}

export interface RemoveOwnCopiesInput {
  readonly subjectHash: string;
  /** The erasure request that erased the subject. */
  readonly requestId: string;
  /** When the erasure finished: the time of the annotations. */
  readonly at: Date;
  /** Trace id of the annotations. @default the request id */
  readonly traceId?: string;
  /**
   * Longest span of days searched for one request's quarantined payloads and dead-lettered bodies
   * (their keys are dated). @default 400
   */
  readonly maxDays?: number;
}

/** What one earlier request lost, as its `values_erased` annotation records it. */
export interface EarlierRequestCopies {
  readonly requestId: string;
  readonly rows: number;
  readonly objects: number;
}

/** What one run removed, counts and ids only: never a value. */
export interface OwnCopiesRemoval {
  /** Earlier requests of the subject (the erasure request itself not counted). */
  readonly earlierRequests: number;
  /** Findings rows whose values this run removed. */
  readonly findingRowsCleared: number;
  /** Bucket objects this run deleted (earlier requests' and the erasure request's). */
  readonly objectsDeleted: number;
  /**
   * Per earlier request, what the `values_erased` annotation of this erasure records: the same on a
   * second run, which removes nothing, so a receipt built from it does not change.
   */
  readonly byRequest: readonly EarlierRequestCopies[];
}

const DAY_MS = 86_400_000;

/**
 * Prefixes of the objects the bucket holds for one request's findings, erasure and package (an
 * earlier access request's package holds the subject's values).
 */
export function requestObjectPrefixes(requestId: string): string[] {
  return [claimCheckPrefix(requestId), erasurePrefix(requestId), packagePrefix(requestId)];
}

/**
 * Removes the copies dsr-bridge itself holds of an erased subject: the row values of every earlier
 * request's findings in `DSR_FINDINGS` (row keys, row hashes and provenance stay: the evidence keeps
 * its shape) and, for those requests, every object of the payload bucket — claim-checked findings (`claim-check/<requestId>/…`), packages (`packages/<requestId>/…`), erasure cases
 * (`erasure/<requestId>/…`), quarantined payloads (`quarantine/YYYY/MM/DD/<requestId>.json`) and
 * dead-lettered bodies (`dead-letter/YYYY/MM/DD/<messageId>.json`) that belong to one of them.
 *
 * Keys are found without listing the bucket: claim checks and cases by their request's prefix;
 * quarantined payloads by their exact key, for each UTC day the request's ledger history spans (the
 * key is dated when the payload was put, which a retry can move past the day of the ledger entry);
 * dead-lettered bodies, whose key carries the SQS message id that no ledger entry records, by
 * listing the day prefixes that history spans and reading each object's `request-id` and
 * `subject-hash` metadata.
 *
 * Each earlier request from which something was removed gets a `values_erased` annotation (stage
 * `erase`, detail `{ byRequest, rows, objects }`). Idempotent: a second run finds no values and no
 * objects, removes nothing and appends nothing. Returns counts and request ids, never a value.
 */
export async function removeOwnCopies(
  ports: OwnCopiesPorts,
  input: RemoveOwnCopiesInput,
): Promise<OwnCopiesRemoval> {
  const maxDays = input.maxDays ?? 400;
  const all = [...new Set(await ports.requestsOfSubject(input.subjectHash))];
  const earlier = all.filter((id) => id !== input.requestId).sort();
  const requests = [...earlier, input.requestId];
  const histories = new Map<string, readonly LedgerEntry[]>();
  for (const id of requests) histories.set(id, await ports.ledger.history(id));

  const deleted = new Map<string, number>(requests.map((id) => [id, 0]));
  const remove = async (requestId: string, key: string) => {
    await ports.payloads.delete(key);
    deleted.set(requestId, (deleted.get(requestId) ?? 0) + 1);
  };

  for (const id of requests) {
    // The erasure request's own findings parts and case are what a redelivery needs until its
    // receipt is stored: the erase stage deletes them after that (`requestObjectPrefixes`).
    if (id !== input.requestId)
      for (const prefix of requestObjectPrefixes(id))
        for await (const page of ports.payloads.list(prefix)) for (const key of page) await remove(id, key);
    for (const day of daysOf(
      histories.get(id) ?? [],
      id === input.requestId ? input.at : undefined,
      maxDays,
    )) {
      const key = quarantineKey(id, day);
      for await (const page of ports.payloads.list(key))
        for (const found of page) if (found === key) await remove(id, found);
    }
  }

  // Dead-lettered bodies: every day any of the requests was seen, each object's owner from its metadata.
  const ids = new Set(requests);
  const days = new Map<string, Date>();
  for (const id of requests)
    for (const day of daysOf(histories.get(id) ?? [], id === input.requestId ? input.at : undefined, maxDays))
      days.set(dayPrefix(day), day);
  for (const prefix of [...days.keys()].sort()) {
    for await (const page of ports.payloads.list(prefix)) {
      for (const key of page) {
        const stored = await ports.payloads.get({ bucket: ports.payloads.bucket, key });
        const owner = stored?.metadata['request-id'];
        const ownedBySubject = stored?.metadata['subject-hash'] === input.subjectHash;
        if ((owner !== undefined && ids.has(owner)) || ownedBySubject)
          await remove(owner !== undefined && ids.has(owner) ? owner : input.requestId, key);
      }
    }
  }

  let findingRowsCleared = 0;
  const rows = new Map<string, number>();
  for (const id of requests) {
    const cleared = await ports.clearFindingValues(id);
    rows.set(id, cleared);
    findingRowsCleared += cleared;
  }

  const byRequest: EarlierRequestCopies[] = [];
  for (const id of earlier) {
    const recorded = (histories.get(id) ?? []).find(
      (e) => e.state === 'values_erased' && e.detail?.byRequest === input.requestId,
    );
    if (recorded) {
      byRequest.push({
        requestId: id,
        rows: Number(recorded.detail?.rows ?? 0),
        objects: Number(recorded.detail?.objects ?? 0),
      });
      continue;
    }
    const copies = { requestId: id, rows: rows.get(id) ?? 0, objects: deleted.get(id) ?? 0 };
    if (copies.rows === 0 && copies.objects === 0) continue;
    await ports.ledger.append({
      requestId: id,
      state: 'values_erased',
      at: input.at.toISOString(),
      stage: 'erase',
      traceId: input.traceId ?? input.requestId,
      detail: { byRequest: input.requestId, rows: copies.rows, objects: copies.objects },
    });
    byRequest.push(copies);
  }

  return {
    earlierRequests: earlier.length,
    findingRowsCleared,
    objectsDeleted: [...deleted.values()].reduce((a, b) => a + b, 0),
    byRequest,
  };
}

/**
 * The UTC days from a request's first lifecycle entry to its last (and `at`, for the erasure request
 * itself), at most `maxDays`. Annotations are left out: a later extension or erasure of the subject
 * is not a day the request was in flight.
 */
function daysOf(history: readonly LedgerEntry[], at: Date | undefined, maxDays: number): Date[] {
  const times = history
    .filter((e) => !ANNOTATION_STATES.has(e.state))
    .map((e) => Date.parse(e.at))
    .filter((t) => Number.isFinite(t));
  if (at) times.push(at.getTime());
  if (times.length === 0) return [];
  const first = Math.min(...times);
  const last = Math.max(...times);
  const start = Math.floor(first / DAY_MS);
  const end = Math.min(Math.floor(last / DAY_MS), start + maxDays - 1);
  const days: Date[] = [];
  for (let d = start; d <= end; d++) days.push(new Date(d * DAY_MS));
  return days;
}

/** `dead-letter/YYYY/MM/DD/`: the prefix of one day's dead-lettered bodies. */
function dayPrefix(day: Date): string {
  return deadLetterKey('', day).replace(/\.json$/, '');
}

/**
 * What the receipt states of a removal: the counts the earlier requests' `values_erased`
 * annotations record (`byRequest`), the same on a second run, which removes nothing.
 */
export function copiesForReceipt(removal: OwnCopiesRemoval): OwnCopiesRemoved {
  return {
    earlierRequests: removal.earlierRequests,
    findingRowsCleared: removal.byRequest.reduce((n, r) => n + r.rows, 0),
    objectsDeleted: removal.byRequest.reduce((n, r) => n + r.objects, 0),
  };
}

/**
 * Deletes every object the bucket holds for one request's findings and erasure
 * ({@link requestObjectPrefixes}); returns how many.
 */
export async function deleteRequestObjects(payloads: PayloadStore, requestId: string): Promise<number> {
  let deleted = 0;
  for (const prefix of requestObjectPrefixes(requestId))
    for await (const page of payloads.list(prefix))
      for (const key of page) {
        await payloads.delete(key);
        deleted++;
      }
  return deleted;
}
