import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, type CanonicalValue, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseExactJson } from '../../../shared/canonical/parseExactJson';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const MAP = `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.random_rows
    primaryKey: [id]
    identities: { email: email }
`;

/** Text without NUL (PostgreSQL text cannot hold it); any other unicode, including astral characters. */
const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));

/** A decimal written exactly, with digits a double cannot hold: `-123456789012345678901.5000`. */
const decimal = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^[0-9]{1,12}$/)))
  .map(([negative, whole, fraction]) => {
    const digits = `${whole}${fraction ? `.${fraction}` : ''}`;
    return new JsonNumber(negative && digits !== '0' && !/^0(\.0+)?$/.test(digits) ? `-${digits}` : digits);
  });

/** JSON documents as jsonb keeps them: no duplicate keys, numbers as written (no exponents). */
const { doc } = fc.letrec((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    text,
    decimal,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('doc'), { maxLength: 4 }),
    fc.dictionary(text, tie('doc'), { maxKeys: 4 }),
  ),
}));

/** A timestamptz between 1900 and 2200 with microseconds, and its canonical UTC text. */
const instant = fc.bigInt({ min: -2208988800000000n, max: 7258118400000000n }).map((micros) => {
  const ms = Number(micros / 1000n) - (micros % 1000n < 0n ? 1 : 0);
  const rest = ((micros % 1000000n) + 1000000n) % 1000000n;
  const iso = new Date(ms).toISOString();
  return { micros, canonical: `${iso.slice(0, 19)}.${String(rest).padStart(6, '0')}Z` };
});

const row = fc.record({
  big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  whole: fc.bigInt({ min: -(10n ** 20n) + 1n, max: 10n ** 20n - 1n }),
  fraction: fc.stringMatching(/^[0-9]{18}$/),
  doc,
  at: instant,
  bytes: fc.uint8Array({ maxLength: 24 }),
});

let db: TestDatabase;
let pgdb: PgDatabase;

beforeAll(async () => {
  db = await createTestDatabase('roundtrip');
  await db.exec(`CREATE TABLE public.random_rows (
    id int4 PRIMARY KEY, email text, big int8, n numeric(38,18), doc jsonb, at timestamptz, bytes bytea)`);
  pgdb = openDatabase(db.dsn, { poolMax: 2 });
});

afterAll(async () => {
  await pgdb?.end();
  await db?.drop();
});

describe('Property: random rows round-trip through PostgreSQL into the canonical form exactly', () => {
  it('gives, for every random row, exactly the canonical values computed independently', async () => {
    let runId = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), async (rows) => {
        runId++;
        const email = `subject-${runId}@example.com`;
        await db.exec('TRUNCATE public.random_rows');
        const expected: CanonicalRow[] = [];
        for (const [i, r] of rows.entries()) {
          const n = `${r.whole < 0n ? '-' : ''}${r.whole < 0n ? -r.whole : r.whole}.${r.fraction}`;
          const seconds = r.at.micros / 1000000n - (r.at.micros % 1000000n < 0n ? 1n : 0n);
          const micros = ((r.at.micros % 1000000n) + 1000000n) % 1000000n;
          await db.exec(
            `INSERT INTO public.random_rows VALUES ($1, $2, $3::int8, $4::numeric, $5::jsonb,
               to_timestamp($6::float8) + make_interval(secs => $7::float8 / 1000000), $8)`,
            [
              i,
              email,
              String(r.big),
              n,
              canonicalJson(r.doc as CanonicalValue),
              String(seconds),
              String(micros),
              Buffer.from(r.bytes),
            ],
          );
          expected.push({
            at: r.at.canonical,
            big: String(r.big),
            bytes: Buffer.from(r.bytes).toString('base64'),
            doc: r.doc as CanonicalValue,
            email,
            id: i,
            // numeric(38,18) prints all 18 fraction digits; "-0.000…" is printed without the sign.
            n: /^-0\.0+$/.test(n) ? n.slice(1) : n,
          });
        }
        const { document } = await discoverWith(pgdb, MAP, { email: [email] });
        const found = document.findings.map((f) => f.row);
        expect(canonicalJson(found as CanonicalValue)).toBe(canonicalJson(expected as CanonicalValue));
        // And the canonical text parses back to itself.
        const text = canonicalJson(found as CanonicalValue);
        expect(canonicalJson(parseExactJson(text))).toBe(text);
      }),
      { numRuns: 40 },
    );
  });
});
