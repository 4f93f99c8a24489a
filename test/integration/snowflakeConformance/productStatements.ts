import type { SnowflakeBind } from '../../../shared/snowflake/SnowflakeDatabase';
import { sessionSettingsSql } from '../../../shared/snowflake/SnowflakeDatabase';
import {
  addFindingsProvenanceSql,
  addLedgerChainSql,
  catalogColumnsSql,
  countMatchesSql,
  createErasureReceiptsTableSql,
  createFindingsTableSql,
  createLedgerTableSql,
  keysetBinds,
  type LoadLocation,
  mergeErasureReceiptSql,
  mergeFindingsSql,
  mergeLedgerSql,
  searchSql,
  selectAllLedgerSql,
  selectErasureReceiptSql,
  selectFindingsSql,
  selectLedgerHeadsSql,
  selectLedgerSql,
  sessionIdentitySql,
} from '../../../shared/snowflake/statements';

/**
 * Every statement the product sends to Snowflake, with representative binds and the result shape
 * it must get back (column names and the driver's types, and the rows where they are fixed). The
 * statements come from the product's own builders; the scan sampler's are recorded from
 * `SnowflakeScanSource` at run time (see `conformance.test.ts`). Keep this list complete: a new
 * statement in `shared/snowflake/statements.ts`, `shared/load/*` or the scan is added here.
 */
export interface ProductStatement {
  /** Stable name; the fixture recorded from a real account is `fixtures/<name>.json`. */
  readonly name: string;
  /** Who sends it. */
  readonly sender:
    | 'session'
    | 'table creation'
    | 'loader'
    | 'ledger'
    | 'approval'
    | 'erasure receipts'
    | 'drift catalog'
    | 'searcher'
    | 'scan sampler';
  readonly sql: string;
  readonly binds: readonly SnowflakeBind[];
  /** Column name → driver type (`fixed`, `text`, `variant`, `timestamp_tz`, …), in order. */
  readonly columns?: readonly (readonly [string, string])[];
  /** Rows as canonical JSON, when the answer is fixed. */
  readonly rows?: string;
}

/** The source table searched and sampled: keyless, odd types, a row that mentions two people. */
export function sourceTableSql(at: LoadLocation): string[] {
  const t = `"${at.database}"."${at.schema}"."CONTACTS"`;
  return [
    `CREATE TABLE ${t} ("ID" NUMBER(38,0), "EMAIL" VARCHAR(320), "PHONE" VARCHAR, "PROFILE" VARIANT, ` +
      '"TAGS" ARRAY, "ATTRS" OBJECT, "SEEN_AT" TIMESTAMP_TZ, "PHOTO" BINARY)',
    `INSERT INTO ${t} ("ID", "EMAIL", "PHONE", "PROFILE", "TAGS", "ATTRS", "SEEN_AT", "PHOTO") ` +
      `SELECT 9007199254740993, 'Zoe@Example.com', '+1 (555) 010-9999', PARSE_JSON('{"n":123456789012345678901234567890,"also":"bob@example.com"}'), ` +
      `PARSE_JSON('[9007199254740993,"x"]'), PARSE_JSON('{"k":9007199254740993}'), ` +
      `TO_TIMESTAMP_TZ('2024-02-29T23:59:59.123+05:30', 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM'), TO_BINARY('DEADBEEF', 'HEX')`,
    `INSERT INTO ${t} ("ID", "EMAIL", "PHONE") SELECT 2, 'other@example.com', '555-0100'`,
  ];
}

const finding = (rowKey: string, row: string) =>
  `{"discoveredAt":"2024-03-01T10:11:12.345+00:00","evidenceHash":"${'e'.repeat(64)}","requestId":"req-conf",` +
  `"row":${JSON.stringify(row)},"rowHash":"${'a'.repeat(64)}","rowKey":${JSON.stringify(rowKey)},"system":"snowflake","table":"CRM.PUBLIC.CONTACTS",` +
  `"provenance":${JSON.stringify('[{"column":"EMAIL","identity":"email","round":1,"source":"request","via":"identity"}]')}}`;

/** A receipt's canonical text with a number beyond a double's digits: it must come back byte for byte. */
const RECEIPT_TEXT =
  '{"completedAt":"2026-03-06T10:15:00.000Z","n":123456789012345678901234567890,"requestId":"req-conf"}';

/** The statements, in the order they run (later ones read what earlier ones wrote). */
export function productStatements(at: LoadLocation, statementTimeoutMs: number): ProductStatement[] {
  const contacts = `${at.database}.${at.schema}.CONTACTS`;
  const dml = (name: string): readonly (readonly [string, string])[] => [[name, 'fixed']];
  return [
    { name: 'session-settings', sender: 'session', sql: sessionSettingsSql(statementTimeoutMs), binds: [] },
    { name: 'create-findings', sender: 'table creation', sql: createFindingsTableSql(at), binds: [] },
    {
      name: 'add-findings-provenance',
      sender: 'table creation',
      sql: addFindingsProvenanceSql(at),
      binds: [],
    },
    { name: 'create-ledger', sender: 'table creation', sql: createLedgerTableSql(at), binds: [] },
    { name: 'add-ledger-chain', sender: 'table creation', sql: addLedgerChainSql(at), binds: [] },
    {
      name: 'merge-findings',
      sender: 'loader',
      sql: mergeFindingsSql(at),
      // Three elements, one key twice: two rows land, the first element of the repeated key wins.
      binds: [
        `[${finding('{"ID":"1"}', '{"ID":"9007199254740993","N":123456789012345678901234567890}')},` +
          `${finding('{"ID":"2"}', '{"ID":"2"}')},${finding('{"ID":"1"}', '{"ID":"ignored"}')}]`,
      ],
      columns: dml('number of rows inserted'),
      rows: '[{"number of rows inserted":"2"}]',
    },
    {
      name: 'merge-findings-again',
      sender: 'loader',
      sql: mergeFindingsSql(at),
      binds: [`[${finding('{"ID":"1"}', '{"ID":"changed"}')}]`],
      columns: dml('number of rows inserted'),
      rows: '[{"number of rows inserted":"0"}]',
    },
    {
      name: 'select-findings',
      sender: 'loader',
      sql: selectFindingsSql(at),
      binds: ['req-conf'],
      columns: [
        ['SYSTEM', 'text'],
        ['TABLE_NAME', 'text'],
        ['ROW_KEY', 'text'],
        ['ROW', 'variant'],
        ['ROW_HASH', 'text'],
        ['EVIDENCE_HASH', 'text'],
        ['DISCOVERED_AT', 'timestamp_tz'],
        ['LOADED_AT', 'timestamp_tz'],
        ['PROVENANCE', 'variant'],
      ],
    },
    {
      name: 'merge-ledger',
      sender: 'ledger',
      sql: mergeLedgerSql(at),
      binds: [
        '[{"at":"2024-01-01T00:00:00.000+00:00","entryHash":"1111111111111111111111111111111111111111111111111111111111111111","firstSeq":"0","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","requestId":"req-conf","seq":"0","stage":"intake","state":"received","traceId":"t-1"},' +
          '{"at":"2024-01-01T00:00:01.500+00:00","detail":"{\\"n\\":3}","entryHash":"2222222222222222222222222222222222222222222222222222222222222222","firstSeq":"0","prevHash":"1111111111111111111111111111111111111111111111111111111111111111","requestId":"req-conf","seq":"1","stage":"load","state":"loaded"}]',
      ],
      columns: dml('number of rows inserted'),
      rows: '[{"number of rows inserted":"2"}]',
    },
    {
      // Another writer appending at a position already taken: compare-and-append inserts nothing.
      name: 'merge-ledger-overtaken',
      sender: 'ledger',
      sql: mergeLedgerSql(at),
      binds: [
        '[{"at":"2024-01-01T00:00:02.000+00:00","entryHash":"3333333333333333333333333333333333333333333333333333333333333333","firstSeq":"1","prevHash":"1111111111111111111111111111111111111111111111111111111111111111","requestId":"req-conf","seq":"1","stage":"operator","state":"cancelled"}]',
      ],
      columns: dml('number of rows inserted'),
      rows: '[{"number of rows inserted":"0"}]',
    },
    {
      name: 'select-ledger',
      sender: 'ledger',
      sql: selectLedgerSql(at),
      binds: ['req-conf'],
      columns: [
        ['REQUEST_ID', 'text'],
        ['STATE', 'text'],
        ['STAGE', 'text'],
        ['EVENT_TIME', 'timestamp_tz'],
        ['TRACE_ID', 'text'],
        ['DETAIL', 'variant'],
        ['SEQ', 'fixed'],
        ['PREV_HASH', 'text'],
        ['ENTRY_HASH', 'text'],
      ],
      rows:
        '[{"DETAIL":null,"ENTRY_HASH":"1111111111111111111111111111111111111111111111111111111111111111","EVENT_TIME":"2024-01-01T00:00:00.000000Z","PREV_HASH":"0000000000000000000000000000000000000000000000000000000000000000","REQUEST_ID":"req-conf","SEQ":"0","STAGE":"intake","STATE":"received","TRACE_ID":"t-1"},' +
        '{"DETAIL":{"n":3},"ENTRY_HASH":"2222222222222222222222222222222222222222222222222222222222222222","EVENT_TIME":"2024-01-01T00:00:01.500000Z","PREV_HASH":"1111111111111111111111111111111111111111111111111111111111111111","REQUEST_ID":"req-conf","SEQ":"1","STAGE":"load","STATE":"loaded","TRACE_ID":null}]',
    },
    {
      name: 'select-ledger-heads',
      sender: 'ledger',
      sql: selectLedgerHeadsSql(at),
      binds: [],
      columns: [
        ['REQUEST_ID', 'text'],
        ['SEQ', 'fixed'],
        ['ENTRY_HASH', 'text'],
      ],
      rows: '[{"ENTRY_HASH":"2222222222222222222222222222222222222222222222222222222222222222","REQUEST_ID":"req-conf","SEQ":"1"}]',
    },
    {
      name: 'select-all-ledger',
      sender: 'ledger',
      sql: selectAllLedgerSql(at),
      binds: [],
      columns: [
        ['REQUEST_ID', 'text'],
        ['STATE', 'text'],
        ['STAGE', 'text'],
        ['EVENT_TIME', 'timestamp_tz'],
        ['TRACE_ID', 'text'],
        ['DETAIL', 'variant'],
        ['SEQ', 'fixed'],
        ['PREV_HASH', 'text'],
        ['ENTRY_HASH', 'text'],
      ],
    },
    {
      // Who approves: the session's user and primary role (their values depend on the account).
      name: 'session-identity',
      sender: 'approval',
      sql: sessionIdentitySql(),
      binds: [],
      columns: [
        ['USER_NAME', 'text'],
        ['ROLE_NAME', 'text'],
      ],
    },
    {
      name: 'create-erasure-receipts',
      sender: 'table creation',
      sql: createErasureReceiptsTableSql(at),
      binds: [],
    },
    {
      name: 'merge-erasure-receipt',
      sender: 'erasure receipts',
      sql: mergeErasureReceiptSql(at),
      binds: [
        'req-conf',
        'ab'.repeat(32),
        'erased',
        '2026-03-06T10:15:00.000+00:00',
        'cd'.repeat(32),
        RECEIPT_TEXT,
      ],
      columns: dml('number of rows inserted'),
      rows: '[{"number of rows inserted":"1"}]',
    },
    {
      // A redelivered erasure: the first receipt stays.
      name: 'merge-erasure-receipt-again',
      sender: 'erasure receipts',
      sql: mergeErasureReceiptSql(at),
      binds: ['req-conf', 'ab'.repeat(32), 'erased', '2026-03-06T10:20:00.000+00:00', 'ef'.repeat(32), '{}'],
      columns: dml('number of rows inserted'),
      rows: '[{"number of rows inserted":"0"}]',
    },
    {
      name: 'select-erasure-receipt',
      sender: 'erasure receipts',
      sql: selectErasureReceiptSql(at),
      binds: ['req-conf'],
      columns: [
        ['REQUEST_ID', 'text'],
        ['RECEIPT_HASH', 'text'],
        ['RECEIPT', 'text'],
      ],
      rows: JSON.stringify([
        { RECEIPT: RECEIPT_TEXT, RECEIPT_HASH: 'cd'.repeat(32), REQUEST_ID: 'req-conf' },
      ]),
    },
    {
      name: 'drift-catalog',
      sender: 'drift catalog',
      sql: catalogColumnsSql(at.database, 1),
      binds: [at.schema, 'CONTACTS'],
      columns: [
        ['TABLE_CATALOG', 'text'],
        ['TABLE_SCHEMA', 'text'],
        ['TABLE_NAME', 'text'],
        ['COLUMN_NAME', 'text'],
        ['ORDINAL_POSITION', 'fixed'],
        ['DATA_TYPE', 'text'],
        ['CHARACTER_MAXIMUM_LENGTH', 'fixed'],
        ['NUMERIC_PRECISION', 'fixed'],
        ['NUMERIC_SCALE', 'fixed'],
        ['IS_NULLABLE', 'text'],
      ],
    },
    {
      name: 'search-lowercase',
      sender: 'searcher',
      sql: searchSql({
        table: contacts,
        columns: ['ID', 'EMAIL', 'PROFILE', 'TAGS', 'ATTRS', 'SEEN_AT', 'PHOTO'],
        match: 'LOWER("EMAIL")',
        value: '?',
        valueCount: 2,
        key: [{ column: 'ID', value: 'CAST(? AS NUMBER(38,0))' }],
        after: false,
        limit: 100,
      }),
      binds: ['zoe@example.com', 'nobody@example.com'],
      columns: [
        ['ID', 'fixed'],
        ['EMAIL', 'text'],
        ['PROFILE', 'variant'],
        ['TAGS', 'array'],
        ['ATTRS', 'object'],
        ['SEEN_AT', 'timestamp_tz'],
        ['PHOTO', 'binary'],
      ],
      rows:
        '[{"ATTRS":{"k":9007199254740993},"EMAIL":"Zoe@Example.com","ID":"9007199254740993","PHOTO":"3q2+7w==",' +
        '"PROFILE":{"also":"bob@example.com","n":123456789012345678901234567890},"SEEN_AT":"2024-02-29T18:29:59.123000Z","TAGS":[9007199254740993,"x"]}]',
    },
    {
      name: 'search-digits-keyset',
      sender: 'searcher',
      sql: searchSql({
        table: contacts,
        columns: ['ID', 'PHONE'],
        match: `REGEXP_REPLACE("PHONE", '[^0-9]', '')`,
        value: '?',
        valueCount: 1,
        key: [{ column: 'ID', value: 'CAST(? AS NUMBER(38,0))' }],
        after: true,
        limit: 10,
      }),
      binds: ['15550109999', ...keysetBinds(['1'])],
      columns: [
        ['ID', 'fixed'],
        ['PHONE', 'text'],
      ],
      rows: '[{"ID":"9007199254740993","PHONE":"+1 (555) 010-9999"}]',
    },
    {
      name: 'count-digits',
      sender: 'searcher',
      sql: countMatchesSql({
        table: contacts,
        match: `REGEXP_REPLACE("PHONE", '[^0-9]', '')`,
        value: '?',
        valueCount: 2,
      }),
      binds: ['15550109999', '0'],
      columns: [
        ['V', 'text'],
        ['N', 'fixed'],
      ],
      rows: '[{"N":"1","V":"15550109999"}]',
    },
  ];
}
