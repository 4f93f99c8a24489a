/** Where an object lives in the payload bucket. */
export interface PayloadPointer {
  readonly bucket: string;
  readonly key: string;
}

export interface StoredPayload {
  readonly body: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The encrypted payload bucket: claim-checked findings, erasure cases, quarantined payloads and
 * dead-lettered bodies. Metadata values are codes and hashes only (S3 user metadata is not
 * encrypted with the object).
 */
export interface PayloadStore {
  /** The bucket every pointer this store hands out names. */
  readonly bucket: string;
  put(key: string, body: string, metadata?: Readonly<Record<string, string>>): Promise<PayloadPointer>;
  /** The object, or `undefined` when there is none under the pointer. */
  get(pointer: PayloadPointer): Promise<StoredPayload | undefined>;
  /**
   * The keys under a prefix, in ascending UTF-8 order, one page at a time (S3 answers at most 1,000
   * keys a page): memory stays bounded by a page however many objects match.
   */
  list(prefix: string): AsyncIterable<readonly string[]>;
  /** Deletes the object under the key; deleting a key that holds nothing is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * The top-level prefixes of the payload bucket, one per kind of object. Every key below is built
 * under one of them, and the stack lets each function put objects only under the prefixes it
 * writes (`infra/constructs/DsrBridge.ts`), so a new kind of object needs a prefix here and a grant.
 */
export const PAYLOAD_PREFIXES = {
  /** Claim-checked findings: parts and manifests (the extractors). */
  claimCheck: 'claim-check/',
  /** Erasure cases and plans made again (the extractors, the erase function). */
  erasure: 'erasure/',
  /** Quarantined payloads (the gate, the load and erase functions). */
  quarantine: 'quarantine/',
  /** Dead-lettered message bodies (every stage, the dead-letter recorder). */
  deadLetter: 'dead-letter/',
  /** The subject's packages (the load and erase functions only). */
  packages: 'packages/',
} as const;
export type PayloadPrefix = keyof typeof PAYLOAD_PREFIXES;

/** Every request's claim-checked findings (parts and manifests) live under this prefix. */
export function claimCheckPrefix(requestId: string): string {
  return `${PAYLOAD_PREFIXES.claimCheck}${requestId}/`;
}

/** Key of a quarantined payload: `quarantine/YYYY/MM/DD/<requestId>.json`, dated in UTC. */
export function quarantineKey(requestId: string, at: Date): string {
  return `${PAYLOAD_PREFIXES.quarantine}${datedName(requestId, at)}`;
}

/** Key of a dead-lettered message body: `dead-letter/YYYY/MM/DD/<messageId>.json`. */
export function deadLetterKey(messageId: string, at: Date): string {
  return `${PAYLOAD_PREFIXES.deadLetter}${datedName(messageId, at)}`;
}

/** `YYYY/MM/DD/<id>.json`, dated in UTC. */
function datedName(id: string, at: Date): string {
  const y = at.getUTCFullYear();
  const m = String(at.getUTCMonth() + 1).padStart(2, '0');
  const d = String(at.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}/${id}.json`;
}

/** Where the erasure case of a request is kept in the payload bucket. */
export function erasureCaseKey(requestId: string): string {
  return `${erasurePrefix(requestId)}case.json`;
}

/** Where a request's package is kept: the page, data files, evidence or receipt, and the manifest. */
export function packagePrefix(requestId: string): string {
  return `${PAYLOAD_PREFIXES.packages}${requestId}/`;
}

/** Prefix of every object the bucket holds for one request's erasure. */
export function erasurePrefix(requestId: string): string {
  return `${PAYLOAD_PREFIXES.erasure}${requestId}/`;
}
