import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { ALL_DETECTORS } from '../../../shared/scan/detectors/allDetectors';
import { forEachJsonLeaf } from '../../../shared/scan/forEachJsonLeaf';
import { formatScanReport } from '../../../shared/scan/formatScanReport';
import { LocationTally, wilsonLowerBound } from '../../../shared/scan/LocationTally';
import { reachOf } from '../../../shared/scan/reachOf';
import { computeCoverage, type PiiFinding } from '../../../shared/scan/ScanReport';
import type { ScanSource, ScanTable } from '../../../shared/scan/ScanSource';
import { scanForPii } from '../../../shared/scan/scanForPii';

const NOW = new Date('2026-06-01T00:00:00Z');

const MAP = parseDataMap(
  `version: 1
identities: { email: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email }
    exclude: [secret_answer]
    mirror: ANALYTICS.PUBLIC.USERS
  - table: public.tickets
    primaryKey: [id]
    identities: { email: email }
    columns: [id, email, subject]
    mirror: ANALYTICS.PUBLIC.TICKETS
snowflake:
  - table: ANALYTICS.PUBLIC.EVENTS
    primaryKey: [ID]
    identities: { email: EMAIL }
    exclude: [IP]
`,
  'map.yaml',
);

describe('Function: reachOf', () => {
  it('reaches mapped tables, excludes excluded columns, and misses the rest', () => {
    expect(reachOf(MAP, 'postgres', 'public.users', 'phone')).toBe('reached');
    expect(reachOf(MAP, 'postgres', 'public.users', 'secret_answer')).toBe('excluded');
    expect(reachOf(MAP, 'postgres', 'public.leads', 'email')).toBe('unreached');
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.EVENTS', 'IP')).toBe('excluded');
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.EVENTS', 'EMAIL')).toBe('reached');
  });

  it('reaches a mirror through its PostgreSQL table, with that table’s exclusions in any case', () => {
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.USERS', 'PHONE')).toBe('reached');
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.USERS', 'SECRET_ANSWER')).toBe('excluded');
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.OTHER', 'EMAIL')).toBe('unreached');
  });
});

describe('Function: reachOf with a columns allow-list', () => {
  it('reaches the listed columns and counts the others as deliberately left out, in the mirror too', () => {
    expect(reachOf(MAP, 'postgres', 'public.tickets', 'email')).toBe('reached');
    expect(reachOf(MAP, 'postgres', 'public.tickets', 'agent_notes')).toBe('excluded');
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.TICKETS', 'SUBJECT')).toBe('reached');
    expect(reachOf(MAP, 'snowflake', 'ANALYTICS.PUBLIC.TICKETS', 'AGENT_NOTES')).toBe('excluded');
  });
});

describe('Function: computeCoverage', () => {
  const finding = (
    table: string,
    column: string,
    reach: PiiFinding['reach'],
    jsonPath?: string,
  ): PiiFinding => ({
    system: 'postgres',
    table,
    column,
    ...(jsonPath ? { jsonPath } : {}),
    detector: 'email',
    basis: 'values',
    confidence: 1,
    samples: 1,
    matches: 1,
    reach,
  });

  it('counts columns, not JSON paths, and leaves excluded columns out', () => {
    expect(
      computeCoverage([
        finding('a', 'profile', 'reached', 'x.email'),
        finding('a', 'profile', 'reached', 'y.phone'),
        finding('a', 'email', 'reached'),
        finding('b', 'email', 'unreached'),
        finding('a', 'ssn', 'excluded'),
      ]),
    ).toEqual({ reached: 2, found: 3, excluded: 1, percent: 66.7 });
  });

  it('is 100% when nothing was found', () => {
    expect(computeCoverage([])).toEqual({ reached: 0, found: 0, excluded: 0, percent: 100 });
  });
});

describe('Class: LocationTally', () => {
  it('classifies by the share of matching samples against the threshold', () => {
    const tally = new LocationTally('contact', ALL_DETECTORS, NOW);
    for (const v of ['a@example.com', 'b@example.com', 'c@example.com', 'not an address']) tally.add(v);
    expect(tally.classify(0.5)).toMatchObject({ detector: 'email', basis: 'values', samples: 4, matches: 3 });
    expect(tally.classify(0.8)).toBeUndefined();
  });

  it('trusts many samples more than few', () => {
    expect(wilsonLowerBound(3, 3)).toBeLessThan(wilsonLowerBound(300, 300));
    expect(wilsonLowerBound(0, 10)).toBe(0);
    expect(wilsonLowerBound(0, 0)).toBe(0);
  });

  it('weighs a suggestive name with the values: digits that are a phone only in a phone column', () => {
    const numbers = ['14155550134', '14155550135', '447700900123', '447700900124'];
    const mobile = new LocationTally('mobile', ALL_DETECTORS, NOW);
    const orderRef = new LocationTally('order_ref', ALL_DETECTORS, NOW);
    for (const v of numbers) {
      mobile.add(v);
      orderRef.add(v);
    }
    expect(mobile.classify(0.5)).toMatchObject({
      detector: 'phone',
      basis: 'name_and_values',
      samples: 4,
      matches: 4,
    });
    expect(orderRef.classify(0.5)).toBeUndefined();
  });

  it('never reports a suggestive name whose values do not fit', () => {
    const tally = new LocationTally('card_no', ALL_DETECTORS, NOW);
    for (const v of ['1234567812345671', 'n/a', 'CARD-0001']) tally.add(v);
    expect(tally.classify(0.5)).toBeUndefined();
  });

  it('gives a match by name and values more confidence than by values alone', () => {
    const values = ['+447700900123', '+447700900124', '+447700900125'];
    const named = new LocationTally('phone', ALL_DETECTORS, NOW);
    const unnamed = new LocationTally('col_7', ALL_DETECTORS, NOW);
    for (const v of values) {
      named.add(v);
      unnamed.add(v);
    }
    expect(unnamed.classify(0.5)?.basis).toBe('values');
    expect(named.classify(0.5)?.confidence).toBeGreaterThan(unnamed.classify(0.5)?.confidence ?? 1);
  });

  it('falls back on the name, and needs at least one non-null sample', () => {
    const empty = new LocationTally('last_name', ALL_DETECTORS, NOW);
    expect(empty.classify(0.5)).toBeUndefined();
    empty.add('x');
    expect(empty.classify(0.5)).toEqual({
      detector: 'person_name',
      basis: 'name',
      confidence: 0.5,
      samples: 1,
      matches: 0,
    });
  });
});

describe('Function: forEachJsonLeaf', () => {
  it('names leaves by their path, arrays as []', () => {
    const seen: [string, string][] = [];
    forEachJsonLeaf(
      {
        profile: { contact: { email: 'x' } },
        phones: [{ number: '1' }, { number: '2' }],
        tags: ['a'],
        n: null,
      },
      (path, key) => seen.push([path, key]),
    );
    expect(seen).toEqual([
      ['profile.contact.email', 'email'],
      ['phones[].number', 'number'],
      ['phones[].number', 'number'],
      ['tags[]', 'tags'],
    ]);
  });
});

describe('Function: scanForPii', () => {
  const table: ScanTable = {
    system: 'postgres',
    table: 'public.leads',
    parts: ['public', 'leads'],
    estimatedRows: 3,
    columns: [
      { name: 'id', kind: 'number', typeName: 'bigint' },
      { name: 'payload', kind: 'text', typeName: 'text' },
      { name: 'doc', kind: 'json', typeName: 'jsonb' },
      { name: 'photo', kind: 'other', typeName: 'bytea' },
    ],
  };
  const source = (rows: (string | null)[][], seen: string[][] = []): ScanSource => ({
    catalog: { system: 'postgres', listTables: async () => [table] },
    sampler: {
      system: 'postgres',
      sample: async (_t, columns, n) => {
        seen.push(
          columns.map((c) => c.name),
          [String(n)],
        );
        return rows;
      },
    },
  });

  it('reads JSON documents in text columns and scalar JSON values, and never samples other kinds', async () => {
    const seen: string[][] = [];
    const report = await scanForPii(
      [
        source(
          [
            ['1', '{"who": {"email": "a@example.com"}}', '"b@example.com"'],
            ['2', '{"who": {"email": "c@example.com"}}', '"d@example.com"'],
            ['3', null, null],
          ],
          seen,
        ),
      ],
      MAP,
      { sampleRows: 7, now: NOW },
    );
    expect(seen).toEqual([['id', 'payload', 'doc'], ['7']]);
    expect(report.unreached.map((f) => [f.column, f.jsonPath, f.detector, f.samples])).toEqual([
      ['doc', undefined, 'email', 2],
      ['payload', 'who.email', 'email', 2],
    ]);
    expect(report.coverage).toEqual({ reached: 0, found: 2, excluded: 0, percent: 0 });
  });

  it('reports a table whose sample fails as not scanned, with the reason, and goes on', async () => {
    const other: ScanTable = { ...table, table: 'public.locked', parts: ['public', 'locked'] };
    const failing: ScanSource = {
      catalog: { system: 'postgres', listTables: async () => [other, table] },
      sampler: {
        system: 'postgres',
        sample: async (t) => {
          if (t.table === 'public.locked')
            throw new Error('PostgreSQL: permission denied for table locked\nDETAIL');
          return [['1', 'a@example.com', null]];
        },
      },
    };
    const report = await scanForPii([failing], MAP, { now: NOW });
    expect(report.notScanned).toEqual([
      {
        system: 'postgres',
        table: 'public.locked',
        reason: 'PostgreSQL: permission denied for table locked',
      },
    ]);
    expect(report.tablesScanned).toBe(1);
    expect(report.unreached.map((f) => f.column)).toEqual(['payload']);
    expect(formatScanReport(report, 'table')).toContain(
      'Tables not scanned (1), so coverage is incomplete:\n  postgres  public.locked: PostgreSQL: permission denied',
    );
  });

  it('fails on a sample size or threshold out of range', async () => {
    await expect(scanForPii([], MAP, { sampleRows: 0 })).rejects.toThrow(/sampleRows.*given 0/);
    await expect(scanForPii([], MAP, { threshold: 1.5 })).rejects.toThrow(/threshold.*given 1.5/);
  });
});

describe('Function: scanForPii on phone and fax columns in national formats', () => {
  it('flags every phone and fax column, so coverage is not 100 % while they are unmapped', async () => {
    const suppliers: ScanTable = {
      system: 'postgres',
      table: 'public.suppliers',
      parts: ['public', 'suppliers'],
      estimatedRows: 4,
      columns: [
        { name: 'supplier_id', kind: 'number', typeName: 'integer' },
        { name: 'Phone', kind: 'text', typeName: 'varchar' },
        { name: 'Fax', kind: 'text', typeName: 'varchar' },
        { name: 'HomePage', kind: 'text', typeName: 'text' },
      ],
    };
    const rows = [
      ['1', '030-0074321', '030-0076545', null],
      ['2', '(171) 555-7788', '(171) 555-6750', null],
      ['3', '88.60.15.31', '88.60.15.32', null],
      ['4', '+49 30 1234567', '+49 30 1234568', null],
    ];
    const report = await scanForPii(
      [
        {
          catalog: { system: 'postgres', listTables: async () => [suppliers] },
          sampler: { system: 'postgres', sample: async () => rows },
        },
      ],
      MAP,
      { now: NOW },
    );
    expect(report.unreached.map((f) => [f.table, f.column, f.detector, f.samples])).toEqual([
      ['public.suppliers', 'Fax', 'phone', 4],
      ['public.suppliers', 'Phone', 'phone', 4],
    ]);
    expect(report.coverage.found).toBe(2);
    expect(report.coverage.percent).toBe(0);
  });
});
