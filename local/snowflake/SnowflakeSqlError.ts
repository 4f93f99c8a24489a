/**
 * An error answered to the driver in Snowflake's shape: `code` (e.g. "002003"), `sqlState` and a
 * message. Messages never carry row values: where Snowflake would echo a value, a placeholder stands in.
 */
export class SnowflakeSqlError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = 'SnowflakeSqlError';
  }
}

/** The placeholder used where Snowflake's message would contain a value. */
export const REDACTED = '(redacted)';

export const sqlErrors = {
  syntax: (detail: string) =>
    new SnowflakeSqlError('001003', '42000', `SQL compilation error:\nsyntax error ${detail}`),
  unsupported: (detail: string) =>
    new SnowflakeSqlError('002014', '0A000', `SQL compilation error:\nunsupported feature: ${detail}`),
  objectMissing: (name: string) =>
    new SnowflakeSqlError(
      '002003',
      '42S02',
      `SQL compilation error:\nObject '${name}' does not exist or not authorized.`,
    ),
  schemaMissing: (name: string) =>
    new SnowflakeSqlError(
      '002003',
      '02000',
      `SQL compilation error:\nSchema '${name}' does not exist or not authorized.`,
    ),
  invalidIdentifier: (name: string) =>
    new SnowflakeSqlError(
      '000904',
      '42000',
      `SQL compilation error: error line 0 at position 0\ninvalid identifier '${name}'`,
    ),
  alreadyExists: (name: string) =>
    new SnowflakeSqlError('002002', '42710', `SQL compilation error:\nObject '${name}' already exists.`),
  stringTooLong: () =>
    new SnowflakeSqlError('100074', '22000', `String '${REDACTED}' is too long and would be truncated`),
  timestampNotRecognized: () =>
    new SnowflakeSqlError('100035', '22007', `Timestamp '${REDACTED}' is not recognized`),
  notNull: () => new SnowflakeSqlError('100072', '22000', 'NULL result in a non-nullable column'),
  conversion: () => new SnowflakeSqlError('100038', '22018', `Numeric value '${REDACTED}' is not recognized`),
  invalidJson: () => new SnowflakeSqlError('100069', '22P02', `Error parsing JSON: ${REDACTED}`),
  bindCount: (expected: number, given: number) =>
    new SnowflakeSqlError(
      '002049',
      '42601',
      `SQL compilation error: Bind variable count mismatch: expected ${expected}, given ${given}`,
    ),
  unknownFunction: (name: string) =>
    new SnowflakeSqlError('002140', '42601', `SQL compilation error:\nUnknown function ${name}`),
  noWarehouse: () =>
    new SnowflakeSqlError(
      '000606',
      '57P03',
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
    ),
  doesNotExist: () =>
    new SnowflakeSqlError(
      '002043',
      '02000',
      'SQL compilation error:\nObject does not exist, or operation cannot be performed.',
    ),
  invalidParameter: (name: string) =>
    new SnowflakeSqlError('001008', '22023', `SQL compilation error:\ninvalid parameter '${name}'`),
  invalidParameterValue: (name: string) =>
    new SnowflakeSqlError('001008', '22023', `SQL compilation error:\ninvalid value for parameter '${name}'`),
  lobTooLarge: () => new SnowflakeSqlError('100082', '22000', 'Max LOB size (16777216) exceeded'),
  statementTooLarge: () =>
    new SnowflakeSqlError('100082', '22000', 'Max LOB size (16777216) exceeded: statement text'),
  arrayBindNotInsert: () =>
    new SnowflakeSqlError(
      '002014',
      '0A000',
      'SQL compilation error:\nunsupported feature: array binding for a statement other than INSERT',
    ),
  internal: (detail: string) =>
    new SnowflakeSqlError('000603', 'XX000', `SQL execution internal error: ${detail}`),
} as const;
