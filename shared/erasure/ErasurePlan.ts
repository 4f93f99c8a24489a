import { createHash, type Hash } from 'node:crypto';
import {
  CanonicalJsonText,
  type CanonicalObject,
  type CanonicalValue,
  JsonNumber,
} from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { System } from '../datamap/System';
import { writtenJson } from '../discovery/rowJsonOf';

/** How one column of a masked table is overwritten (the data map's strategy, normalised). */
export type PlannedMask =
  | { readonly column: string; readonly strategy: 'null' | 'hash' | 'random' }
  | { readonly column: string; readonly strategy: 'redact'; readonly text: string };

/**
 * One row the plan changes: its key (the primary key's values, or `{ _n, _row }` for a keyless
 * table), the SHA-256 of its canonical row as discovery read it, and for a masked row the SHA-256
 * of its unmasked columns only (so a re-run can tell "already masked" from "changed since").
 */
export interface PlannedRow {
  readonly key: CanonicalObject;
  readonly rowHash: string;
  readonly restHash?: string;
}

/** What the plan does with one table that discovery found rows in. */
export interface PlannedTable {
  readonly system: System;
  readonly table: string;
  /** `none`: the table has no erasure rule; it is left untouched and reported. */
  readonly action: 'delete' | 'mask' | 'retain' | 'none';
  /** Empty for a keyless table. */
  readonly primaryKey: readonly string[];
  readonly found: number;
  /**
   * Found rows left out because they were reached only through part of a composite foreign key and
   * belong to another parent row (see `planErasure`).
   */
  readonly excluded?: number;
  readonly rows: readonly PlannedRow[];
  readonly mask?: readonly PlannedMask[];
  readonly retain?: { readonly ground: string; readonly until?: string };
  readonly approvalRequired: boolean;
  /**
   * A step that masks only one party's columns (`sender`, or `recipient+sender` for rows where the
   * subject is several parties): rows shared with another person under `shared: mask-own`. A table
   * then has one entry per column set, each with its own rows and mask; `found` counts the rows of
   * that entry, so a table's entries add up to what discovery found.
   */
  readonly party?: string;
  /** Rows of the table shared with other people (see {@link PlannedShared}); absent when none. */
  readonly shared?: PlannedShared;
}

/**
 * Rows shared with other people, and what the data map's `shared:` setting made of them. Counts
 * only, never values or whose: `referencedBy` counts rows outside the subject's findings that lead
 * to the shared rows, per table; `otherPersons` counts the people whose identifiers they hold.
 */
export interface PlannedShared {
  readonly setting: 'retain' | 'erase' | 'mask-own';
  /** Shared rows left as they are: reported, and accepted by the proof as retained. */
  readonly retained: readonly PlannedRow[];
  /** Shared rows changed anyway: deleted or masked whole (`erase`) or in the subject's party's columns (`mask-own`). */
  readonly changed: number;
  readonly referencedBy: Readonly<Record<string, number>>;
  readonly otherPersons: number;
  /** Shared only because every row that led to them is shared (a joint account's transactions). */
  readonly through: number;
}

/**
 * What an erasure will do, before it does it: pure data (keys and row hashes, never row values),
 * serialisable and hashed, so an erase stage can record it in the ledger, wait for approval and
 * execute it step by step. `tables` is in execution order: masks first, then deletes with children
 * before parents, then the untouched tables.
 */
export interface ErasurePlan {
  readonly version: 1;
  readonly requestId: string;
  readonly subject: { readonly hash: string };
  /** The evidence hash of the findings the plan was made from. */
  readonly findingsHash: string;
  readonly tables: readonly PlannedTable[];
  /** SHA-256 of the canonical JSON of everything above. */
  readonly planHash: string;
}

/** Seals a plan: the canonical SHA-256 of its content. */
export function sealPlan(plan: Omit<ErasurePlan, 'planHash'>): ErasurePlan {
  return { ...plan, planHash: canonicalSha256(plan as unknown as CanonicalValue) };
}

/** Recomputes a plan's hash; a plan read back from a queue or the ledger is checked with this. */
export function planHashOf(plan: ErasurePlan): string {
  const { planHash: _ignored, ...content } = plan;
  return canonicalSha256(content as unknown as CanonicalValue);
}

/**
 * SHA-256 of `canonicalJson(value)`, the same digest, fed to the hash piece by piece down to each
 * table's members (a table's rows are written as one string): a plan of 100,000 rows is never
 * joined into one string of its own and copied again at each level above its rows.
 */
function canonicalSha256(value: CanonicalValue): string {
  const hash = createHash('sha256');
  feed(hash, value, 3);
  return hash.digest('hex');
}

function feed(hash: Hash, value: CanonicalValue, depth: number): void {
  if (depth === 0 && Array.isArray(value)) {
    feedItems(hash, value);
    return;
  }
  if (
    depth === 0 ||
    value === null ||
    typeof value !== 'object' ||
    value instanceof JsonNumber ||
    value instanceof CanonicalJsonText
  ) {
    hash.update(canonicalJson(value));
    return;
  }
  hash.update(Array.isArray(value) ? '[' : '{');
  if (Array.isArray(value))
    value.forEach((item, i) => {
      if (i > 0) hash.update(',');
      feed(hash, item, depth - 1);
    });
  else
    Object.keys(value)
      .sort()
      .forEach((key, i) => {
        hash.update(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
        feed(hash, (value as CanonicalObject)[key] as CanonicalValue, depth - 1);
      });
  hash.update(Array.isArray(value) ? ']' : '}');
}

/**
 * An array (a table's rows) fed a chunk at a time. A planned row whose key discovery's searcher
 * wrote as JSON (`writtenJson`) is written member by member with that text; any other item by
 * `canonicalJson`. The bytes are `canonicalJson(items)`'s.
 */
function feedItems(hash: Hash, items: readonly CanonicalValue[]): void {
  let chunk = '[';
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as CanonicalValue;
    const row = plannedRowWithWrittenKey(item);
    chunk += i === 0 ? '' : ',';
    chunk += row
      ? `{"key":${row.keyJson}${row.restHash === undefined ? '' : `,"restHash":${JSON.stringify(row.restHash)}`},"rowHash":${JSON.stringify(row.rowHash)}}`
      : canonicalJson(item);
    if (chunk.length >= 1 << 16) {
      hash.update(chunk, 'utf8');
      chunk = '';
    }
  }
  hash.update(`${chunk}]`, 'utf8');
}

/** `item` as a planned row of exactly `key`, `rowHash` and maybe `restHash`, with its key's written JSON. */
function plannedRowWithWrittenKey(
  item: CanonicalValue,
): { keyJson: string; rowHash: string; restHash?: string } | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  if (Object.getPrototypeOf(item) !== Object.prototype) return undefined;
  const { key, rowHash, restHash } = item as Record<string, unknown>;
  const members = Object.keys(item).length;
  if (typeof rowHash !== 'string' || key === null || typeof key !== 'object') return undefined;
  const keyJson = writtenJson(key as CanonicalObject);
  if (keyJson === undefined) return undefined;
  if (restHash === undefined) return members === 2 ? { keyJson, rowHash } : undefined;
  return typeof restHash === 'string' && members === 3 ? { keyJson, rowHash, restHash } : undefined;
}

/** Rows the plan changes (deleted or masked). */
export function rowsToChange(plan: ErasurePlan): number {
  return plan.tables
    .filter((t) => t.action === 'delete' || t.action === 'mask')
    .reduce((n, t) => n + t.rows.length, 0);
}
