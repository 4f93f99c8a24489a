import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { checkSnowflakeCatalog, snowflakeTablesOf } from '../../../shared/snowflake/checkSnowflakeCatalog';
import type { SnowflakeColumn, SnowflakeTable } from '../../../shared/snowflake/SnowflakeColumn';

const column = (name: string): SnowflakeColumn => ({
  name,
  ordinal: 1,
  dataType: 'TEXT',
  length: undefined,
  precision: undefined,
  scale: undefined,
  nullable: true,
});
const table = (name: string, columns: string[]): [string, SnowflakeTable] => [
  name,
  { name, columns: columns.map(column) },
];

const MAP = parseDataMap(
  `version: 1
identities:
  user_id: {}
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { user_id: id }
    mirror: ANALYTICS.PUBLIC.USERS
snowflake:
  - table: ANALYTICS.PUBLIC.EVENTS
    primaryKey: [ID]
    identities: { user_id: USER_ID }
    exclude: [IP]
  - table: ANALYTICS.PUBLIC.TAGS
    primaryKey: [EVENT_ID, TAG]
    follow: { EVENT_ID: ANALYTICS.PUBLIC.EVENTS.ID }
`,
  'map.yaml',
);

describe('Function: checkSnowflakeCatalog', () => {
  it('finds nothing wrong when every name exists', () => {
    const catalog = {
      tables: new Map([
        table('ANALYTICS.PUBLIC.USERS', ['ID']),
        table('ANALYTICS.PUBLIC.EVENTS', ['ID', 'USER_ID', 'IP']),
        table('ANALYTICS.PUBLIC.TAGS', ['EVENT_ID', 'TAG']),
      ]),
    };
    expect(checkSnowflakeCatalog(MAP, catalog)).toEqual([]);
    expect(snowflakeTablesOf(MAP)).toEqual([
      'ANALYTICS.PUBLIC.EVENTS',
      'ANALYTICS.PUBLIC.TAGS',
      'ANALYTICS.PUBLIC.USERS',
    ]);
  });

  it('refuses a VARIANT, OBJECT or ARRAY column as an identity or a follow column: it holds a document, not a value', () => {
    const typed = (name: string, columns: [string, string][]): [string, SnowflakeTable] => [
      name,
      { name, columns: columns.map(([c, dataType]) => ({ ...column(c), dataType })) },
    ];
    const catalog = {
      tables: new Map([
        table('ANALYTICS.PUBLIC.USERS', ['ID']),
        typed('ANALYTICS.PUBLIC.EVENTS', [
          ['ID', 'TEXT'],
          ['USER_ID', 'VARIANT'],
          ['IP', 'TEXT'],
        ]),
        typed('ANALYTICS.PUBLIC.TAGS', [
          ['EVENT_ID', 'ARRAY'],
          ['TAG', 'TEXT'],
        ]),
      ]),
    };
    expect(checkSnowflakeCatalog(MAP, catalog)).toEqual([
      {
        path: 'snowflake[0].identities.user_id',
        message: expect.stringContaining(
          'ANALYTICS.PUBLIC.EVENTS.USER_ID is VARIANT: a document, not a value a search compares, so searching it by user_id would find nothing and say nothing',
        ),
      },
      {
        path: 'snowflake[1].follow.EVENT_ID',
        message: expect.stringContaining('ANALYTICS.PUBLIC.TAGS.EVENT_ID is ARRAY'),
      },
    ]);
  });

  it('reports missing tables, mirrors and columns with close matches, case included', () => {
    const catalog = {
      tables: new Map([
        table('ANALYTICS.PUBLIC.USER', ['ID']),
        table('ANALYTICS.PUBLIC.EVENTS', ['ID', 'user_id']),
      ]),
    };
    expect(checkSnowflakeCatalog(MAP, catalog)).toEqual([
      {
        path: 'postgres[0].mirror',
        message:
          'table ANALYTICS.PUBLIC.USERS does not exist in Snowflake. Did you mean ANALYTICS.PUBLIC.USER, ANALYTICS.PUBLIC.EVENTS?',
      },
      {
        path: 'snowflake[0].identities.user_id',
        message: 'column USER_ID does not exist in ANALYTICS.PUBLIC.EVENTS. Did you mean user_id?',
      },
      {
        path: 'snowflake[0].exclude[0]',
        message: 'column IP does not exist in ANALYTICS.PUBLIC.EVENTS. Did you mean ID?',
      },
      {
        path: 'snowflake[1].table',
        message: expect.stringMatching(/^table ANALYTICS.PUBLIC.TAGS does not exist in Snowflake\./),
      },
    ]);
  });

  it('leaves mirrors to the drift gate when asked', () => {
    const catalog = {
      tables: new Map([
        table('ANALYTICS.PUBLIC.EVENTS', ['ID', 'USER_ID', 'IP']),
        table('ANALYTICS.PUBLIC.TAGS', ['EVENT_ID', 'TAG']),
      ]),
    };
    expect(checkSnowflakeCatalog(MAP, catalog, { mirrors: false })).toEqual([]);
  });
});
