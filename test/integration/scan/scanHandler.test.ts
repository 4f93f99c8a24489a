import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanHandler } from '../../../functions/scan/scanHandler';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { FIXTURE_DATAMAP, type PiiFixture, seedPiiFixture } from './piiFixture';

let db: TestDatabase;
let fixture: PiiFixture;
let dir: string;
let mapFile: string;

beforeAll(async () => {
  db = await createTestDatabase('scanfn');
  fixture = await seedPiiFixture(db);
  dir = await mkdtemp(join(tmpdir(), 'dsr-scanfn-'));
  mapFile = join(dir, 'datamap.yaml');
  await writeFile(mapFile, FIXTURE_DATAMAP);
}, 60_000);

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Handler: the scheduled coverage scan', () => {
  it('publishes the coverage as an EMF metric, twice on the same container, without a sampled value', async () => {
    const lines: string[] = [];
    const handler = createScanHandler(
      { PG_DSN: db.dsn, DSR_DATAMAP_PATH: mapFile, DSR_SCAN_SCHEMAS: 'app', DSR_SCAN_SAMPLE_ROWS: '50' },
      { logSink: (line) => lines.push(line), metricSink: (line) => lines.push(line) },
    );
    for (let run = 0; run < 2; run++) {
      const summary = await handler({ source: 'schedule' });
      expect(summary).toMatchObject({ piiColumnsReached: 10, piiColumnsFound: 12, unmappedPiiColumns: 2 });
      expect(summary.coveragePercent).toBeCloseTo((100 * 10) / 12, 10);
    }
    const metrics = lines
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metrics).toHaveLength(2);
    expect(metrics[0]).toMatchObject({ service: 'dsr-bridge', UnmappedPiiColumns: 2, TablesNotScanned: 0 });
    const output = lines.join('\n');
    for (const value of fixture.plantedValues) expect(output).not.toContain(value);
  }, 60_000);
});
