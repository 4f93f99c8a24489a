import { z } from 'zod';
import { JsonNumber } from '../canonical/CanonicalValue';
import type { System } from '../datamap/System';

/** Rows of one learning table holding a refused value (counts only). */
export interface SharedHolder {
  readonly system: System;
  readonly table: string;
  readonly column: string;
  /** Counted up to the cap. */
  readonly rows: number;
  /** Present when counting stopped at the cap: `rows` or more. */
  readonly capped?: true;
}

/**
 * Values that did not widen the search, counts only, never the values: `values` distinct values
 * were each held by `rows` rows. Either learned values (`identity`), each held by more than one
 * row of the columns it could be learned from (an office switchboard number two employees share,
 * one number for a supplier in `suppliers` and a carrier in `shippers`), so it identifies no one;
 * or values of a followed column (`into`), each held by rows of that column other than the
 * subject's, followed by columns that are not keys (a customer number every tenant repeats), so
 * the rows they lead to need not be the subject's (see `FollowGuard`).
 */
export interface NotFollowed {
  readonly system: System;
  /** As the data map names it. */
  readonly table: string;
  readonly column: string;
  /** The identity kind the table learns through the column (learned and requested values only). */
  readonly identity?: string;
  /**
   * Present when the values were the request's own, not searched because several rows of the
   * tables of people hold each (`table` and `column`: the first of them; see the request guard).
   */
  readonly requested?: true;
  /**
   * Present when `rows` rows reached by following `column` into `into` were left out because they
   * name other people and not the subject (`values` is then 1).
   */
  readonly othersOnly?: true;
  /**
   * With `othersOnly`: the rows left out name no one, and only rows shared with other people (a
   * payment between two people) point at them through `column`, which is not their key: the payer's
   * billing address, which the payee must not be given.
   */
  readonly throughShared?: true;
  /**
   * The columns that follow this one and were not searched with the values, as
   * `<system>:<table>.<column>`, sorted (followed values only).
   */
  readonly into?: readonly string[];
  /**
   * Learned values: rows holding each of these values across every column of the identity kind
   * that a table learns (a row and its mirror's copy counted once), each column counted up to the
   * cap. Followed values: rows of `column` holding each, counted up to the cap.
   */
  readonly rows: number;
  /** Present when counting stopped at the cap: `rows` or more. */
  readonly capped?: true;
  /** How many distinct values were held by exactly that many rows. */
  readonly values: number;
  /**
   * Present when other learning tables than `table` hold the values too: each table holding
   * them, with its rows, sorted by system, table and column (`table` itself included).
   */
  readonly heldBy?: readonly SharedHolder[];
}

/**
 * Phone values in found rows that libphonenumber-js could not read in the kind's region, so they
 * were compared as their digits: rows per table and column, never a value.
 */
export interface UnparsedPhones {
  readonly system: System;
  readonly table: string;
  readonly column: string;
  /** Found rows whose value in the column is not a possible number. */
  readonly rows: number;
}

/** `3 rows of public.users.phone hold a phone number that could not be parsed (compared as digits)`. */
export function describeUnparsedPhones(u: UnparsedPhones): string {
  return `${u.rows} ${u.rows === 1 ? 'row' : 'rows'} of ${u.table}.${u.column} ${u.rows === 1 ? 'holds' : 'hold'} a phone number that could not be parsed (compared as digits)`;
}

/** One refused value, before refusals of a column with the same count are gathered. */
export interface RefusedValue {
  readonly system: System;
  readonly table: string;
  readonly column: string;
  readonly identity: string;
  /** The request's own value (see {@link NotFollowed.requested}). */
  readonly requested?: true;
  readonly rows: number;
  readonly capped: boolean;
  /** As in {@link NotFollowed.heldBy}; absent when only `table` holds the value. */
  readonly heldBy?: readonly SharedHolder[];
}

/**
 * Rows reached by following `table.column` into `into` that were left out because they name other
 * people and not the subject (see `traverseInto`): `rows` of them.
 */
export interface RefusedOthersOnly {
  readonly system: System;
  readonly table: string;
  readonly column: string;
  readonly into: readonly string[];
  readonly othersOnly: true;
  readonly throughShared?: true;
  readonly rows: number;
  readonly capped: boolean;
}

/** One refused followed value (see `FollowGuard`), before refusals are gathered. */
export interface RefusedFollow {
  readonly system: System;
  readonly table: string;
  readonly column: string;
  /** As in {@link NotFollowed.into}. */
  readonly into: readonly string[];
  readonly rows: number;
  readonly capped: boolean;
}

/**
 * Refusals gathered per column and count, sorted by system, table, column, identity (a followed
 * value's before a learned one's), then rows: the same data gives the same list, whatever order
 * the searches ended in.
 */
export function summarizeNotFollowed(
  refused: Iterable<RefusedValue | RefusedFollow | RefusedOthersOnly>,
): NotFollowed[] {
  type Refused = RefusedValue | RefusedFollow | RefusedOthersOnly;
  const groups = new Map<string, { entry: Refused; values: number }>();
  const identityOf = (r: Refused) => ('identity' in r ? r.identity : '');
  const intoOf = (r: Refused) => ('into' in r ? r.into.join('\u0001') : '');
  // The request's values before learned ones of the same column; rows left out after values.
  const learnedOf = (r: Refused) =>
    'requested' in r && r.requested
      ? '0'
      : 'othersOnly' in r && r.othersOnly
        ? r.throughShared
          ? '3'
          : '2'
        : '1';
  for (const r of refused) {
    const id = [
      r.system,
      r.table,
      r.column,
      identityOf(r),
      learnedOf(r),
      intoOf(r),
      String(r.rows),
      String(r.capped),
      heldByOf(r),
    ].join('\u0000');
    const group = groups.get(id);
    if (group) group.values++;
    else groups.set(id, { entry: r, values: 1 });
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        compareText(a.entry.system, b.entry.system) ||
        compareText(a.entry.table, b.entry.table) ||
        compareText(a.entry.column, b.entry.column) ||
        compareText(identityOf(a.entry), identityOf(b.entry)) ||
        compareText(learnedOf(a.entry), learnedOf(b.entry)) ||
        compareText(intoOf(a.entry), intoOf(b.entry)) ||
        a.entry.rows - b.entry.rows ||
        Number(a.entry.capped) - Number(b.entry.capped) ||
        compareText(heldByOf(a.entry), heldByOf(b.entry)),
    )
    .map(
      ({ entry: e, values }): NotFollowed => ({
        ...(e.capped ? { capped: true as const } : {}),
        column: e.column,
        ...('heldBy' in e && e.heldBy ? { heldBy: e.heldBy } : {}),
        ...('identity' in e ? { identity: e.identity } : {}),
        ...('into' in e ? { into: e.into } : {}),
        ...('othersOnly' in e && e.othersOnly ? { othersOnly: true as const } : {}),
        ...('requested' in e && e.requested ? { requested: true as const } : {}),
        rows: e.rows,
        system: e.system,
        table: e.table,
        ...('throughShared' in e && e.throughShared ? { throughShared: true as const } : {}),
        values,
      }),
    );
}

/**
 * One refusal in words, e.g. `phone not followed: shared by 2 rows of public.employees.phone`,
 * `phone not followed (3 values): each shared by 1000 or more rows of …` for several capped values,
 * or across tables `phone not followed: shared by 2 rows (1 of trade.suppliers.phone, 1 of
 * trade.shippers.phone)`; a holder in another system than the refusal's is marked `(snowflake)`.
 * A followed value: `a value of public.customers.customer_no not followed into
 * postgres:public.orders.customer_no: held by 2 rows of public.customers.customer_no, not all of
 * them found for the subject`.
 */
export function describeNotFollowed(n: NotFollowed): string {
  if (n.into && n.othersOnly && n.throughShared)
    return `${n.rows} ${n.rows === 1 ? 'row' : 'rows'} of ${n.into.map((c) => c.slice(c.indexOf(':') + 1, c.lastIndexOf('.'))).join(', ')} reached through ${n.table}.${n.column} left out: only rows shared with other people point at ${n.rows === 1 ? 'it' : 'them'}, and ${n.rows === 1 ? 'it names' : 'they name'} no one, so ${n.rows === 1 ? 'it' : 'they'} may be another person's`;
  if (n.into && n.othersOnly)
    return `${n.rows} ${n.rows === 1 ? 'row' : 'rows'} of ${n.into.map((c) => c.slice(c.indexOf(':') + 1, c.lastIndexOf('.'))).join(', ')} reached through ${n.table}.${n.column} left out: ${n.rows === 1 ? 'it names' : 'they name'} other people and not the subject`;
  if (n.into) {
    const held = `${n.rows}${n.capped ? ' or more' : ''} rows of ${n.table}.${n.column}, not all of them known to be the subject's`;
    const into = n.into.join(', ');
    return n.values > 1
      ? `${n.values} values of ${n.table}.${n.column} not followed into ${into}: each held by ${held}`
      : `a value of ${n.table}.${n.column} not followed into ${into}: held by ${held}`;
  }
  const identity = (n.identity ?? '').replace(/_/g, ' ');
  const many = (rows: number, capped: boolean | undefined) => `${rows}${capped ? ' or more' : ''}`;
  const rows = n.heldBy
    ? `${many(n.rows, n.capped)} rows (${n.heldBy
        .map(
          (h) =>
            `${many(h.rows, h.capped)} of ${h.table}.${h.column}${h.system === n.system ? '' : ` (${h.system})`}`,
        )
        .join(', ')})`
    : `${many(n.rows, n.capped)} rows of ${n.table}.${n.column}`;
  if (n.requested)
    return n.values > 1
      ? `${identity} of the request not searched (${n.values} values): each held by ${rows}, which may be different people`
      : `${identity} of the request not searched: held by ${rows}, which may be different people`;
  return n.values > 1
    ? `${identity} not followed (${n.values} values): each shared by ${rows}`
    : `${identity} not followed: shared by ${rows}`;
}

function heldByOf(r: RefusedValue | RefusedFollow | RefusedOthersOnly): string {
  return JSON.stringify(('heldBy' in r ? r.heldBy : undefined) ?? []);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// A count as it crosses an edge: a number, or an exact JSON number where the text was parsed exactly.
const count = z.preprocess(
  (v) => (v instanceof JsonNumber ? Number(v.text) : v),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
);
const system = z.enum(['postgres', 'snowflake']);
const name = z.string().min(1);

/**
 * The note of values not followed as it crosses a stage, the bucket or the ledger: counts, names
 * and reasons only (every field is a name or a count, so no value can travel in it).
 */
export const notFollowedSchema = z.array(
  z
    .strictObject({
      system,
      table: name,
      column: name,
      identity: name.optional(),
      into: z
        .array(z.string().regex(/^(postgres|snowflake):.+$/))
        .min(1)
        .readonly()
        .optional(),
      requested: z.literal(true).optional(),
      othersOnly: z.literal(true).optional(),
      throughShared: z.literal(true).optional(),
      rows: count,
      capped: z.literal(true).optional(),
      values: count,
      heldBy: z
        .array(
          z.strictObject({
            system,
            table: name,
            column: name,
            rows: count,
            capped: z.literal(true).optional(),
          }),
        )
        .readonly()
        .optional(),
    })
    .refine((n) => (n.identity === undefined) !== (n.into === undefined), {
      message: 'names either the identity kind learned or the columns that follow, not both',
    })
    .refine((n) => n.requested === undefined || n.identity !== undefined, {
      message: "a request's value names its identity kind",
    })
    .refine((n) => n.othersOnly === undefined || n.into !== undefined, {
      message: 'rows left out name the columns that followed',
    })
    .refine((n) => n.throughShared === undefined || n.othersOnly !== undefined, {
      message: 'rows left out through shared rows are rows left out',
    }),
);

/** {@link UnparsedPhones} as it crosses a stage: names and counts only. */
export const unparsedPhonesSchema = z.array(
  z.strictObject({ system, table: name, column: name, rows: count }),
);

/**
 * The note as the load stage records it in the ledger (its canonical JSON text), parsed; `undefined`
 * when none was recorded. Throws a `ZodError` when the text is not such a note.
 */
export function parseNotFollowed(text: unknown): NotFollowed[] | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new TypeError('the note of values not followed is not text');
  return notFollowedSchema.parse(JSON.parse(text)) as NotFollowed[];
}

/**
 * The count of unparsed phone values as the load stage records it in the ledger (its canonical JSON
 * text), parsed; `undefined` when none was recorded. Throws a `ZodError` when the text is not one.
 */
export function parseUnparsedPhones(text: unknown): UnparsedPhones[] | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new TypeError('the count of unparsed phone numbers is not text');
  return unparsedPhonesSchema.parse(JSON.parse(text)) as UnparsedPhones[];
}
