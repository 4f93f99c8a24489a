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
 * The encrypted payload bucket: claim-checked findings and quarantined payloads.
 * Metadata values are codes and hashes only (S3 user metadata is not encrypted with the object).
 */
export interface PayloadStore {
  put(key: string, body: string, metadata?: Readonly<Record<string, string>>): Promise<PayloadPointer>;
  /** The object, or `undefined` when there is none under the pointer. */
  get(pointer: PayloadPointer): Promise<StoredPayload | undefined>;
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
