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

/** Every request's claim-checked findings (parts and manifests) live under this prefix. */
export function claimCheckPrefix(requestId: string): string {
  return `claim-check/${requestId}/`;
}

/** Key of a quarantined payload: `quarantine/YYYY/MM/DD/<requestId>.json`, dated in UTC. */
export function quarantineKey(requestId: string, at: Date): string {
  const y = at.getUTCFullYear();
  const m = String(at.getUTCMonth() + 1).padStart(2, '0');
  const d = String(at.getUTCDate()).padStart(2, '0');
  return `quarantine/${y}/${m}/${d}/${requestId}.json`;
}

/** Key of a dead-lettered message body: `dead-letter/YYYY/MM/DD/<messageId>.json`. */
export function deadLetterKey(messageId: string, at: Date): string {
  return quarantineKey(messageId, at).replace(/^quarantine\//, 'dead-letter/');
}

/** Where the erasure case of a request is kept in the payload bucket. */
export function erasureCaseKey(requestId: string): string {
  return `erasure/${requestId}/case.json`;
}

/** Where a request's package is kept: the page, data files, evidence or receipt, and the manifest. */
export function packagePrefix(requestId: string): string {
  return `packages/${requestId}/`;
}

/** Prefix of every object the bucket holds for one request's erasure. */
export function erasurePrefix(requestId: string): string {
  return `erasure/${requestId}/`;
}
