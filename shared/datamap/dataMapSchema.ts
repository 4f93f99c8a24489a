import { z } from 'zod';
import { NORMALIZATIONS } from '../identity/Normalization';
import { isPhoneRegion } from '../identity/normalizePhone';

/**
 * Names in a data map are plain SQL identifiers. They are always quoted when used, and this
 * pattern also refuses anything that could try to break out of quoting.
 */
const IDENT = '[A-Za-z_][A-Za-z0-9_$]*';
const identifier = z
  .string()
  .regex(new RegExp(`^${IDENT}$`), 'a plain identifier (letters, digits, _ or $; not starting with a digit)');
const identityKind = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'an identity kind in lower case, e.g. email or user_id');
const pgTable = z.string().regex(new RegExp(`^${IDENT}\\.${IDENT}$`), 'schema.table, e.g. public.users');
const sfTable = z
  .string()
  .regex(
    new RegExp(`^${IDENT}\\.${IDENT}\\.${IDENT}$`),
    'DATABASE.SCHEMA.TABLE, e.g. ANALYTICS.PUBLIC.USERS',
  );

/**
 * `normalize: phone` reads numbers with libphonenumber-js; `region` (ISO 3166 alpha-2) is the
 * country whose numbers are written without a country code (see `normalizePhone`).
 */
const phoneRegion = z
  .string()
  .regex(/^[A-Z]{2}$/, 'a country code in capitals (ISO 3166 alpha-2), e.g. US or GB')
  .refine(isPhoneRegion, 'a country with telephone numbering metadata, e.g. US, GB, DE or FR');

const identitySpec = z
  .strictObject({
    normalize: z.enum(NORMALIZATIONS).default('none'),
    region: phoneRegion.optional(),
    description: z.string().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.normalize === 'phone' && !spec.region)
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message:
          'normalize: phone needs region, the country of numbers written without a country code, e.g. region: US',
      });
    if (spec.region && spec.normalize !== 'phone')
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'region applies to normalize: phone only' });
  });

/**
 * What a table holds, for the access report (GDPR Art. 15(1)): purposes, categories of data,
 * recipients, retention and source. Optional: the report says plainly what is not declared.
 */
const disclosure = z.strictObject({
  /** The table's name for the data subject, e.g. "Your customer account"; else a humanised table name. */
  title: z.string().min(1).max(200).optional(),
  purposes: z.array(z.string().min(1)).optional(),
  categories: z.array(z.string().min(1)).optional(),
  recipients: z.array(z.string().min(1)).optional(),
  retention: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
});

/** One column, or several (`email: [email, alt_email]`); always a list once parsed. */
const oneOrMany = <T extends z.ZodType<string>>(item: T) =>
  z
    .union([item, z.array(item).min(1, 'at least one entry')])
    .transform((v) => [...new Set(typeof v === 'string' ? [v] : (v as string[]))]);

/**
 * A value a discriminator column holds (`User`, `App::Models::User`, `12`), written into the search
 * as a quoted literal: letters, digits, spaces and `_ . : / -`, never a quote or a backslash.
 */
const discriminatorValue = z.union([
  z
    .string()
    .regex(
      /^[\p{L}\p{N}_.:/ -]{1,200}$/u,
      'a value of 1 to 200 letters, digits, spaces and _ . : / - (no quotes or backslashes)',
    ),
  // `content_type_id: 7` written without quotes: compared as its text, as every value is.
  z
    .number()
    .int()
    .transform((n) => String(n)),
]);

/** `schema.table.column` (PostgreSQL) or `DATABASE.SCHEMA.TABLE.COLUMN` (Snowflake): the shape names the system. */
const columnRef = z
  .string()
  .regex(
    new RegExp(`^${IDENT}\\.${IDENT}\\.${IDENT}(\\.${IDENT})?$`),
    'schema.table.column (PostgreSQL) or DATABASE.SCHEMA.TABLE.COLUMN (Snowflake)',
  );

/** A data category, e.g. `contact.email`: dotted lower-case words. */
const category = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'dotted lower-case words, e.g. contact.email');

/**
 * How one column of a masked table is overwritten: `null`, a fixed `redact` text, a keyed `hash`
 * (HMAC-SHA256 under the erasure key, stable so joins and uniqueness survive) or a `random` value of
 * the column's type and length. Checked against the live catalog before anything runs.
 */
export const MASK_STRATEGIES = ['null', 'hash', 'random'] as const;
const maskStrategy = z.union([
  z.enum(MASK_STRATEGIES),
  z.null().transform(() => 'null' as const),
  z.strictObject({ redact: z.string().min(1).max(200) }),
]);

/**
 * How a table's rows about the subject are erased (GDPR Art. 17): `delete` them, `mask` the listed
 * columns, or `retain` them on a stated legal ground (Art. 17(3)), until a date or for a period.
 * A table without a rule is not touched, and erasure reports it.
 */
/**
 * Triggers, rules and row-security policies on the table that fire on the erasure's statement
 * (DELETE for `delete`, UPDATE for `mask`) stop the plan unless acknowledged here by name, with every
 * table they write to listed in `writes` (the proof then searches those tables for the subject).
 */
const erasureTriggers = z.strictObject({
  acknowledge: z.array(z.string().min(1)).min(1, 'name at least one trigger, rule or policy'),
  writes: z.array(pgTable).default([]),
});

/**
 * What erasure does with a row it would delete or mask that is shared with another person: a row
 * that rows outside the subject's findings also lead to (a household address, a joint account), or
 * one that also holds another person's identifier (a message between two people). `retain` (the
 * default): leave it and report it; `erase`: delete or mask it anyway, changing the other person's
 * data too (the plan then waits for approval in the pipeline); `mask-own`: mask only the columns of
 * the subject's own party (see `parties`), leave the other party's and the shared free text alone.
 */
export const SHARED_SETTINGS = ['retain', 'erase', 'mask-own'] as const;

/**
 * The columns of each person a row may mention, by party name: `{ sender: [sender_email,
 * sender_name], recipient: [recipient_email, recipient_name] }`. Every identity column of the table
 * belongs to exactly one party; the other columns listed are that party's too (masked with it under
 * `shared: mask-own`); a column in no party (a message's text) is shared and left alone then.
 */
const erasureParties = z
  .record(identifier, z.array(identifier).min(1, 'at least one column per party'))
  .refine(
    (p) => Object.keys(p).length >= 2,
    'name at least two parties, e.g. { sender: [...], recipient: [...] }',
  );

const sharedFields = {
  // Any text here: `checkDataMapStructure` names the settings, which a union's error would not.
  shared: z
    .custom<(typeof SHARED_SETTINGS)[number]>((v) => typeof v === 'string', 'retain, erase or mask-own')
    .optional(),
  parties: erasureParties.optional(),
};

const erasureRule = z.union([
  z.literal('delete').transform(() => ({ action: 'delete' as const })),
  z.strictObject({ action: z.literal('delete'), triggers: erasureTriggers.optional(), ...sharedFields }),
  z.strictObject({
    action: z.literal('mask'),
    columns: z
      .record(identifier, maskStrategy)
      .refine((c) => Object.keys(c).length > 0, 'at least one column to mask'),
    triggers: erasureTriggers.optional(),
    ...sharedFields,
  }),
  z.strictObject({
    action: z.literal('retain'),
    ground: z.string().min(3, 'state the legal ground, e.g. "tax law: invoices kept 10 years"'),
    /** An ISO date (`2034-12-31`) or an ISO-8601 period from the request (`P10Y`). */
    until: z
      .string()
      .regex(/^(\d{4}-\d{2}-\d{2}|P(\d+Y)?(\d+M)?(\d+D)?)$/, 'an ISO date (2034-12-31) or a period (P10Y)')
      .optional(),
  }),
]);

const tableFields = {
  /**
   * Omitted for a table without a key (logs, join tables): its rows are then identified by the
   * SHA-256 of their canonical form and an occurrence number (see `keylessRowKey`).
   */
  primaryKey: z
    .array(identifier)
    .min(1, 'at least one column; omit primaryKey for a table without one')
    .optional()
    .transform((v) => v ?? []),
  identities: z.record(identityKind, oneOrMany(identifier)).default({}),
  /** Identity kinds whose values, in this table's found rows, become the subject's and widen the search. */
  learn: z.array(identityKind).default([]),
  /** Allow-list of the columns returned; all columns but `exclude` when absent. */
  columns: z.array(identifier).min(1).optional(),
  exclude: z.array(identifier).default([]),
  /** Column → data category, for the access report. */
  categories: z.record(identifier, category).default({}),
  follow: z.record(identifier, oneOrMany(columnRef)).default({}),
  /**
   * Follow column → `{ column: value(s) }`: the rows a follow of that column reaches must also hold
   * one of these values in that column. For a column that refers to rows of several tables, told
   * apart by a column beside it (`commentable_id` with `commentable_type: User`); PostgreSQL tables.
   */
  followWhere: z
    .record(
      identifier,
      z
        .record(identifier, oneOrMany(discriminatorValue))
        .refine(
          (c) => Object.keys(c).length === 1,
          'name one column and its value(s): { commentable_type: User }',
        ),
    )
    .default({}),
  description: z.string().optional(),
  disclosure: disclosure.optional(),
  /** How the subject's rows in this table are erased; absent: not touched, and reported. */
  erasure: erasureRule.optional(),
  /** `required`: an erasure touching this table waits for an operator's approval. */
  approval: z.enum(['required', 'none']).optional(),
};

const postgresTable = z.strictObject({
  table: pgTable,
  ...tableFields,
  mirror: sfTable.optional(),
});

const snowflakeTable = z.strictObject({
  table: sfTable,
  ...tableFields,
});

/** Language codes the subject's package can be written in (one language file each). */
export const PACKAGE_LANGUAGES = ['en', 'de'] as const;

/** A person or body the subject may contact: a name and at least one way to reach them. */
const contact = z.strictObject({
  name: z.string().min(1),
  address: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  phone: z.string().min(1).optional(),
  /** Shown as text, never as a link. */
  website: z.string().min(1).optional(),
});

/**
 * Who is responsible for the data and what the access report says on their behalf beyond the
 * tables (GDPR Art. 13/14, Art. 15(1)(e)–(h) and 15(2)): the controller and its data protection
 * officer, the supervisory authority a complaint goes to, transfers to third countries with their
 * safeguards, and automated decision-making. `transfers: []` and `automatedDecisions: []` state
 * that there are none; left out, the report says that nothing was stated.
 */
const controller = z.strictObject({
  name: z.string().min(1),
  address: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  phone: z.string().min(1).optional(),
  website: z.string().min(1).optional(),
  dpo: contact.optional(),
  supervisoryAuthority: contact.optional(),
  transfers: z
    .array(
      z.strictObject({
        /** A third country or an international organisation. */
        country: z.string().min(1),
        recipients: z.array(z.string().min(1)).optional(),
        /** Art. 46 safeguard or Art. 45 adequacy decision, in words. */
        safeguard: z.string().min(1),
      }),
    )
    .optional(),
  automatedDecisions: z
    .array(
      z.strictObject({
        description: z.string().min(1),
        /** Meaningful information about the logic involved (Art. 15(1)(h)). */
        logic: z.string().min(1),
        /** Its significance and envisaged consequences for the subject. */
        consequences: z.string().min(1),
      }),
    )
    .optional(),
  /** The package's language when the request names none (or one without a language file). */
  language: z.enum(PACKAGE_LANGUAGES).default('en'),
});

/** The data map's shape, before the cross-field checks in `checkDataMapStructure`. */
export const dataMapSchema = z.strictObject({
  version: z.literal(1, 'the only supported version is 1'),
  identities: z.record(
    identityKind,
    identitySpec.nullable().transform((v) => v ?? { normalize: 'none' as const }),
  ),
  postgres: z.array(postgresTable).default([]),
  snowflake: z.array(snowflakeTable).default([]),
  controller: controller.optional(),
});

export type DataMap = z.output<typeof dataMapSchema>;
export type PostgresTableSpec = DataMap['postgres'][number];
export type SnowflakeTableSpec = DataMap['snowflake'][number];
export type ErasureRule = z.output<typeof erasureRule>;
export type ErasureTriggers = z.output<typeof erasureTriggers>;
export type SharedSetting = (typeof SHARED_SETTINGS)[number];
export type MaskStrategy = z.output<typeof maskStrategy>;
export type Disclosure = z.output<typeof disclosure>;
export type Controller = z.output<typeof controller>;
export type PackageLanguage = (typeof PACKAGE_LANGUAGES)[number];
