import { z } from 'zod';

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
/** How an identifier is normalised before it is searched for and hashed. */
export const NORMALIZATIONS = ['none', 'lowercase', 'digits'] as const;

const identitySpec = z.strictObject({
  normalize: z.enum(NORMALIZATIONS).default('none'),
  description: z.string().optional(),
});

/**
 * What a table holds, for the access report (GDPR Art. 15(1)): purposes, categories of data,
 * recipients, retention and source. Optional: the report says plainly what is not declared.
 */
const disclosure = z.strictObject({
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
  description: z.string().optional(),
  disclosure: disclosure.optional(),
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

/** The data map's shape, before the cross-field checks in `checkDataMapStructure`. */
export const dataMapSchema = z.strictObject({
  version: z.literal(1, 'the only supported version is 1'),
  identities: z.record(
    identityKind,
    identitySpec.nullable().transform((v) => v ?? { normalize: 'none' as const }),
  ),
  postgres: z.array(postgresTable).default([]),
  snowflake: z.array(snowflakeTable).default([]),
});

export type DataMap = z.output<typeof dataMapSchema>;
export type PostgresTableSpec = DataMap['postgres'][number];
export type SnowflakeTableSpec = DataMap['snowflake'][number];
export type Normalization = (typeof NORMALIZATIONS)[number];
export type Disclosure = z.output<typeof disclosure>;
