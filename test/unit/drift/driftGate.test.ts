import { describe, expect, it, vi } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { compareMirror, type MirrorPair } from '../../../shared/drift/compareMirror';
import { DriftGate } from '../../../shared/drift/DriftGate';
import { evaluateDrift } from '../../../shared/drift/evaluateDrift';
import { mirrorPairs } from '../../../shared/drift/mirrorPairs';
import type { PgColumn, PgTable } from '../../../shared/postgres/readPgCatalog';
import type { SnowflakeColumn, SnowflakeTable } from '../../../shared/snowflake/SnowflakeColumn';

const pgColumn = (name: string, typeName: string, ordinal = 1): PgColumn => ({
  name,
  ordinal,
  typeOid: 0,
  typeName,
  castType: typeName.replace(/\(.*\)/, ''),
  category: typeName.startsWith('character') || typeName === 'text' ? 'S' : 'X',
  notNull: false,
});
const pgTable = (name: string, columns: [string, string][]): PgTable => ({
  schema: name.split('.')[0] as string,
  name: name.split('.')[1] as string,
  columns: columns.map(([n, t], i) => pgColumn(n, t, i + 1)),
  primaryKey: ['id'],
  uniqueKeys: [['id']],
});
const sfColumn = (name: string, dataType: string, extra: Partial<SnowflakeColumn> = {}): SnowflakeColumn => ({
  name,
  ordinal: 1,
  dataType,
  length: undefined,
  precision: undefined,
  scale: undefined,
  nullable: true,
  ...extra,
});
const sfTable = (name: string, columns: SnowflakeColumn[]): SnowflakeTable => ({ name, columns });

const USERS: [string, string][] = [
  ['id', 'bigint'],
  ['email', 'character varying(255)'],
  ['balance', 'numeric(38,18)'],
  ['created_at', 'timestamp with time zone'],
  ['profile', 'jsonb'],
  ['password_hash', 'text'],
];
const usersMirror = (overrides: Record<string, SnowflakeColumn | null> = {}, extra: SnowflakeColumn[] = []) =>
  sfTable('ANALYTICS.PUBLIC.USERS', [
    ...[
      sfColumn('ID', 'NUMBER', { precision: 38, scale: 0 }),
      sfColumn('EMAIL', 'TEXT', { length: 255 }),
      sfColumn('BALANCE', 'NUMBER', { precision: 38, scale: 18 }),
      sfColumn('CREATED_AT', 'TIMESTAMP_TZ'),
      sfColumn('PROFILE', 'VARIANT'),
    ]
      .map((c) => (c.name in overrides ? overrides[c.name] : c))
      .filter((c): c is SnowflakeColumn => c !== null && c !== undefined),
    ...extra,
  ]);
const PAIR: MirrorPair = {
  table: 'public.users',
  mirror: 'ANALYTICS.PUBLIC.USERS',
  keyColumns: ['id', 'email'],
  exclude: ['password_hash'],
};
const source = pgTable('public.users', USERS);

describe('Function: compareMirror', () => {
  it('finds nothing when the mirror matches, names differing only in case, excluded columns skipped', () => {
    expect(compareMirror(PAIR, source, usersMirror())).toEqual({
      findings: [],
      columns: 5,
      driftedColumns: 0,
    });
  });

  it('reports a missing ordinary column as not corrupting', () => {
    const result = compareMirror(PAIR, source, usersMirror({ BALANCE: null }));
    expect(result.findings).toEqual([
      {
        table: 'public.users',
        mirror: 'ANALYTICS.PUBLIC.USERS',
        column: 'balance',
        kind: 'missing_column',
        detail: 'balance (numeric(38,18)) has no column in ANALYTICS.PUBLIC.USERS',
        corrupting: false,
      },
    ]);
    expect(result.driftedColumns).toBe(1);
  });

  it('reports a missing identity column as corrupting', () => {
    const result = compareMirror(PAIR, source, usersMirror({ EMAIL: null }));
    expect(result.findings).toMatchObject([{ column: 'email', kind: 'missing_column', corrupting: true }]);
  });

  it('reports an extra mirror column as not corrupting, and counts it as compared', () => {
    const result = compareMirror(PAIR, source, usersMirror({}, [sfColumn('LOYALTY_TIER', 'TEXT')]));
    expect(result.findings).toMatchObject([
      { column: 'LOYALTY_TIER', kind: 'extra_column', corrupting: false },
    ]);
    expect(result.columns).toBe(6);
  });

  it('does not call a mirrored excluded column extra', () => {
    const result = compareMirror(PAIR, source, usersMirror({}, [sfColumn('PASSWORD_HASH', 'TEXT')]));
    expect(result.findings).toEqual([]);
  });

  it('prefers an exact name match over a case-insensitive one', () => {
    const src = pgTable('public.t', [
      ['id', 'bigint'],
      ['Id2', 'text'],
    ]);
    const mirror = sfTable('D.S.T', [
      sfColumn('id', 'NUMBER', { precision: 38, scale: 0 }),
      sfColumn('ID2', 'NUMBER', { precision: 38, scale: 0 }),
      sfColumn('Id2', 'TEXT'),
    ]);
    const result = compareMirror({ ...PAIR, table: 'public.t', mirror: 'D.S.T' }, src, mirror);
    expect(result.findings).toMatchObject([{ column: 'ID2', kind: 'extra_column' }]);
  });

  it('reports each type contract breach on its column', () => {
    const result = compareMirror(
      PAIR,
      source,
      usersMirror({
        EMAIL: sfColumn('EMAIL', 'TEXT', { length: 100 }),
        CREATED_AT: sfColumn('CREATED_AT', 'TIMESTAMP_NTZ'),
        PROFILE: sfColumn('PROFILE', 'TEXT', { length: 16_777_216 }),
      }),
    );
    expect(result.findings.map((f) => [f.column, f.kind, f.corrupting])).toEqual([
      ['email', 'text_narrowed', true],
      ['created_at', 'zone_lost', true],
      ['profile', 'json_not_variant', true],
    ]);
  });

  it('reports a missing mirror table as one corrupting finding covering all its columns', () => {
    const result = compareMirror(PAIR, source, undefined);
    expect(result.findings).toEqual([
      {
        table: 'public.users',
        mirror: 'ANALYTICS.PUBLIC.USERS',
        column: null,
        kind: 'missing_table',
        detail: 'the mirror ANALYTICS.PUBLIC.USERS does not exist',
        corrupting: true,
      },
    ]);
    expect(result.driftedColumns).toBe(result.columns);
  });

  it('reports a missing source table', () => {
    expect(compareMirror(PAIR, undefined, usersMirror()).findings).toMatchObject([
      { kind: 'missing_table', detail: 'the source table public.users does not exist' },
    ]);
  });
});

describe('Function: evaluateDrift', () => {
  const comparison = (columns: number, drifted: number, corrupting = false) => ({
    table: 'public.t',
    comparison: {
      columns,
      driftedColumns: drifted,
      findings: Array.from({ length: drifted }, (_, i) => ({
        table: 'public.t',
        mirror: 'D.S.T',
        column: `c${i}`,
        kind: corrupting ? ('zone_lost' as const) : ('extra_column' as const),
        detail: '',
        corrupting,
      })),
    },
  });

  it('is not applicable when no mirrored table was checked', () => {
    expect(evaluateDrift([])).toEqual({
      status: 'not_applicable',
      halt: false,
      findings: [],
      driftPercent: 0,
      thresholdPercent: 5,
      tables: [],
    });
  });

  it('passes with no findings', () => {
    expect(evaluateDrift([comparison(10, 0)])).toMatchObject({
      status: 'pass',
      halt: false,
      driftPercent: 0,
    });
  });

  it('is drifted without halting at or below the threshold', () => {
    expect(evaluateDrift([comparison(20, 1)])).toMatchObject({
      status: 'drifted',
      halt: false,
      driftPercent: 5,
    });
  });

  it('halts above the threshold', () => {
    expect(evaluateDrift([comparison(19, 1)])).toMatchObject({
      status: 'drifted',
      halt: true,
      driftPercent: 5.26,
    });
  });

  it('halts on a corrupting finding at any percentage', () => {
    expect(evaluateDrift([comparison(1000, 1, true)])).toMatchObject({ halt: true, driftPercent: 0.1 });
  });

  it('sums columns across tables', () => {
    expect(evaluateDrift([comparison(10, 1), comparison(90, 0)]).driftPercent).toBe(1);
  });

  it('takes a configured threshold', () => {
    expect(evaluateDrift([comparison(10, 1)], 10).halt).toBe(false);
    expect(evaluateDrift([comparison(10, 1)], 0).halt).toBe(true);
  });

  it('fails if the threshold is out of range', () => {
    expect(() => evaluateDrift([], 101)).toThrow(
      'thresholdPercent must be between 0 and 100 inclusive (given 101)',
    );
  });
});

const MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
    exclude: [password_hash]
    mirror: ANALYTICS.PUBLIC.USERS
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
    mirror: ANALYTICS.PUBLIC.ORDERS
  - table: public.events
    primaryKey: [id]
    identities: { user_id: user_id }
`,
  'test.yaml',
);

describe('Function: mirrorPairs', () => {
  it('pairs mirrored tables with the columns rows are identified by', () => {
    expect(mirrorPairs(MAP)).toEqual([
      {
        table: 'public.users',
        mirror: 'ANALYTICS.PUBLIC.USERS',
        keyColumns: ['id', 'email'],
        exclude: ['password_hash'],
      },
      {
        table: 'public.orders',
        mirror: 'ANALYTICS.PUBLIC.ORDERS',
        keyColumns: ['id', 'user_id'],
        exclude: [],
      },
    ]);
  });
});

describe('Class: DriftGate', () => {
  const orders = pgTable('public.orders', [
    ['id', 'bigint'],
    ['user_id', 'bigint'],
  ]);
  const ordersMirror = sfTable('ANALYTICS.PUBLIC.ORDERS', [
    sfColumn('ID', 'NUMBER', { precision: 38, scale: 0 }),
    sfColumn('USER_ID', 'FLOAT'),
  ]);
  const setup = (ttl = 60_000) => {
    let now = 1_000_000;
    const readSource = vi.fn(async (tables: readonly string[]) => {
      const all = new Map([
        ['public.users', source],
        ['public.orders', orders],
      ]);
      return new Map([...all].filter(([name]) => tables.includes(name)));
    });
    const readMirror = vi.fn(async (tables: readonly string[]) => ({
      tables: new Map(
        [usersMirror(), ordersMirror].filter((t) => tables.includes(t.name)).map((t) => [t.name, t]),
      ),
    }));
    const gate = new DriftGate({ dataMap: MAP, readSource, readMirror, cacheTtlMs: ttl, now: () => now });
    return { gate, readSource, readMirror, advance: (ms: number) => (now += ms) };
  };

  describe('Method: check', () => {
    it('checks every mirrored table and halts on the corrupting one', async () => {
      const { gate } = setup();
      const verdict = await gate.check();
      expect(verdict.tables).toEqual(['public.users', 'public.orders']);
      expect(verdict.findings).toMatchObject([
        { table: 'public.orders', column: 'user_id', kind: 'integer_to_float' },
      ]);
      expect(verdict).toMatchObject({ status: 'drifted', halt: true });
    });

    it('checks only the tables a request touches, by either name', async () => {
      const { gate, readSource, readMirror } = setup();
      const verdict = await gate.check(['public.users', 'public.events']);
      expect(verdict).toMatchObject({ status: 'pass', halt: false, tables: ['public.users'] });
      expect(readSource).toHaveBeenCalledWith(['public.users']);
      expect(readMirror).toHaveBeenCalledWith(['ANALYTICS.PUBLIC.USERS']);
      expect((await gate.check(['ANALYTICS.PUBLIC.ORDERS'])).tables).toEqual(['public.orders']);
    });

    it('is not applicable for tables without a mirror, reading nothing', async () => {
      const { gate, readSource } = setup();
      expect((await gate.check(['public.events'])).status).toBe('not_applicable');
      expect(readSource).not.toHaveBeenCalled();
    });

    it('reuses catalog entries within the cache time and reads again after it', async () => {
      const { gate, readSource, readMirror, advance } = setup(60_000);
      await gate.check();
      advance(59_999);
      await gate.check();
      expect(readSource).toHaveBeenCalledTimes(1);
      advance(1);
      await gate.check();
      expect(readSource).toHaveBeenCalledTimes(2);
      expect(readMirror).toHaveBeenCalledTimes(2);
    });

    it('reads only the tables missing from the cache', async () => {
      const { gate, readSource } = setup();
      await gate.check(['public.users']);
      await gate.check();
      expect(readSource.mock.calls).toEqual([[['public.users']], [['public.orders']]]);
    });

    it('reads every time with a cache time of 0, and again after invalidate', async () => {
      const { gate, readSource } = setup(0);
      await gate.check();
      await gate.check();
      expect(readSource).toHaveBeenCalledTimes(2);
      const cached = setup();
      await cached.gate.check();
      cached.gate.invalidate();
      await cached.gate.check();
      expect(cached.readSource).toHaveBeenCalledTimes(2);
    });

    it('throws when a catalog cannot be read: a fault, not a verdict', async () => {
      const { gate, readMirror } = setup();
      readMirror.mockRejectedValueOnce(new Error('network down'));
      await expect(gate.check()).rejects.toThrow('network down');
    });
  });

  it('fails if the threshold is out of range', () => {
    expect(
      () => new DriftGate({ dataMap: MAP, readSource: vi.fn(), readMirror: vi.fn(), thresholdPercent: -1 }),
    ).toThrow('thresholdPercent must be between 0 and 100 inclusive (given -1)');
  });
});
