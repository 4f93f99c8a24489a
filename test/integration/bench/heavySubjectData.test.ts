import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedHeavySubject } from '../../../bench/heavySubjectData';
import { generateSampleData } from '../../../local/sample/generateSampleData';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let sample: TestDatabase;
let db: PgDatabase;
let map: string;

beforeAll(async () => {
  sample = await createTestDatabase('heavy');
  await generateSampleData(sample.dsn, { scale: 0.05, seed: 3 });
  map = await readFile('local/sample/datamap.yaml', 'utf8');
  db = openDatabase(sample.dsn);
});

afterAll(async () => {
  await db.end();
  await sample.drop();
});

describe('Function: seedHeavySubject', () => {
  it('gives one user the requested number of events, found through the sample data map', async () => {
    // Act
    const seeded = await seedHeavySubject(
      { query: (sql, params) => sample.exec(sql, params) },
      { rows: 1500 },
    );
    const { document } = await discoverWith(db, map, { email: [seeded.email] });

    // Assess
    expect(seeded).toEqual({ email: 'heavy.1500@example.com', rows: 1500 });
    expect(document.counts.postgres).toMatchObject({ 'public.users': 1, 'public.events': 1500 });
    expect(document.findings).toHaveLength(1501);
  });

  it('is deterministic and re-runnable: seeding again replaces the subject with the same rows', async () => {
    // Prepare
    const client = { query: (sql: string, params?: unknown[]) => sample.exec(sql, params) };
    await seedHeavySubject(client, { rows: 40, email: 'Twice@Example.com' });
    const first = await discoverWith(db, map, { email: ['twice@example.com'] });

    // Act
    await seedHeavySubject(client, { rows: 40, email: 'Twice@Example.com' });
    const second = await discoverWith(db, map, { email: ['twice@example.com'] });

    // Assess
    expect(second.document.findings).toHaveLength(41);
    expect(second.json).toBe(first.json);
  });

  it('keeps several heavy subjects apart', async () => {
    const client = { query: (sql: string, params?: unknown[]) => sample.exec(sql, params) };
    await seedHeavySubject(client, { rows: 30, email: 'a.heavy@example.com' });
    await seedHeavySubject(client, { rows: 20, email: 'b.heavy@example.com' });
    const a = await discoverWith(db, map, { email: ['a.heavy@example.com'] });
    const b = await discoverWith(db, map, { email: ['b.heavy@example.com'] });
    expect(a.document.counts.postgres?.['public.events']).toBe(30);
    expect(b.document.counts.postgres?.['public.events']).toBe(20);
  });
});
