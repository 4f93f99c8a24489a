import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { DsnCredentialSource } from '../../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { luhnValid } from '../../../shared/scan/detectors/luhn';
import { formatScanReport } from '../../../shared/scan/formatScanReport';
import { PostgresScanSource } from '../../../shared/scan/PostgresScanSource';
import type { PiiFinding, ScanReport } from '../../../shared/scan/ScanReport';
import { scanForPii } from '../../../shared/scan/scanForPii';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let test: TestDatabase;
let db: PgDatabase;
let report: ScanReport;
const planted: string[] = [];

/** A 16-digit Luhn-valid number starting with 1: no card network issues it, so only a name can say it is a card. */
function privateLabelCard(i: number): string {
  const body = `100${String(700_000_000_000 + i * 7919)}`;
  for (let d = 0; d <= 9; d++) if (luhnValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error('unreachable');
}

const MAP = `
version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: crm.accounts
    primaryKey: [id]
    identities: { email: email }
`;

beforeAll(async () => {
  test = await createTestDatabase('scan_names');
  // crm.imported_contacts is in no data map: an import table with phones written as bare digits
  // and card numbers from a private-label range; crm.invoices holds the same digits as references.
  await test.exec(`
    CREATE SCHEMA crm;
    CREATE TABLE crm.accounts (id bigint PRIMARY KEY, email text NOT NULL);
    CREATE TABLE crm.imported_contacts (
      row_no int, mobile text, tel bigint, card_no text, order_ref text, invoice_ref bigint
    );
  `);
  for (let i = 1; i <= 40; i++) {
    const mobile = `44770090${String(1000 + i)}`; // 12 digits: country code, no plus
    const tel = `1415555${String(1000 + i)}`; // 11 digits: NANP with its country code
    const card = privateLabelCard(i);
    planted.push(mobile, tel, card);
    await test.exec('INSERT INTO crm.accounts VALUES ($1, $2)', [i, `holder${i}@accounts-example.org`]);
    await test.exec('INSERT INTO crm.imported_contacts VALUES ($1, $2, $3, $4, $5, $6)', [
      i,
      mobile,
      tel,
      card,
      i % 2 === 0 ? card : tel,
      tel,
    ]);
  }
  db = new PgDatabase({ credentials: new DsnCredentialSource(test.dsn) });
  report = await scanForPii(
    [new PostgresScanSource(db, { schemas: ['crm'] })],
    parseDataMap(MAP, 'map.yaml'),
    {
      sampleRows: 100,
    },
  );
});

afterAll(async () => {
  await db?.end();
  await test?.drop();
});

const where = (f: PiiFinding) => `${f.table}.${f.column}=${f.detector}/${f.basis}/${f.matches}of${f.samples}`;

describe('Function: scanForPii weighs column names with values', () => {
  it('reports bare digits in phone columns and private-label card numbers in a card column of an unmapped table', () => {
    expect(report.unreached.map(where)).toEqual([
      'crm.imported_contacts.card_no=credit_card/name_and_values/40of40',
      'crm.imported_contacts.mobile=phone/name_and_values/40of40',
      'crm.imported_contacts.tel=phone/name_and_values/40of40',
    ]);
    expect(report.reached.map(where)).toEqual(['crm.accounts.email=email/values/40of40']);
  });

  it('does not report the same digits in columns named as references', () => {
    const columns = [...report.reached, ...report.unreached, ...report.excludedByMap].map((f) => f.column);
    expect(columns).not.toContain('order_ref');
    expect(columns).not.toContain('invoice_ref');
    expect(columns).not.toContain('row_no');
  });

  it('keeps the sampled values out of the report', () => {
    const text = formatScanReport(report, 'json') + formatScanReport(report, 'table');
    expect(planted.filter((v) => text.includes(v))).toEqual([]);
  });
});
