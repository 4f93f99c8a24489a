import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonNumber } from '../../shared/canonical/CanonicalValue';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { buildFindingsDocument, type FindingsDocument } from '../../shared/discovery/FindingsDocument';
import type { ProvenanceEntry } from '../../shared/discovery/Provenance';
import type { PackageRequest } from '../../shared/report/package/writeAccessPackage';

/** Values a subject's own data may hold that must never act on the page or in a spreadsheet. */
export const HOSTILE = {
  script: '<script>document.title="pwned"</script>',
  img: '"><img src=x onerror=alert(1)>',
  link: 'javascript:alert(document.domain)',
  rtl: 'invoice\u202Egpj.exe',
  nul: 'before\u0000after',
  formula: '=HYPERLINK("http://203.0.113.9/x","click")',
  plus: '+1 555 0100',
  at: '@SUM(1+1)',
  tab: '\tindented',
} as const;

/** A value of 10 MB: shown cut on the page, whole in data/. */
export const BIG_VALUE_LENGTH = 10 * 1024 * 1024;

/** The YAML of {@link packageMap}. */
export const PACKAGE_MAP_YAML = `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
controller:
  name: Example Shop GmbH
  address: Musterstraße 1, 10115 Berlin, Germany
  email: privacy@shop.example
  dpo: { name: Dr. Data Protection, email: dpo@shop.example }
  supervisoryAuthority: { name: Berliner Beauftragte für Datenschutz und Informationsfreiheit, website: www.datenschutz-berlin.de }
  transfers:
    - { country: United States, recipients: [our email delivery provider], safeguard: Standard contractual clauses (Art. 46(2)(c) GDPR) }
  automatedDecisions: []
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [user_id]
    disclosure:
      title: Your customer account
      purposes: [running your account, contacting you about orders]
      categories: [contact details]
      recipients: [our email delivery provider]
      retention: as long as the account exists
      source: you, when you signed up
  - table: public.newsletter_subscriptions
    primaryKey: [id]
    follow: { user_id: public.users.id }
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
`;

export const packageMap = parseDataMap(PACKAGE_MAP_YAML, 'package-map.yaml');

export const packageRequest: PackageRequest = {
  requestId: 'REQ-PKG-1',
  type: 'access',
  jurisdiction: 'GDPR',
  receivedAt: '2026-03-02T09:30:00.000Z',
  deadline: '2026-04-02T09:30:00.000Z',
};

const byEmail: ProvenanceEntry = {
  column: 'email',
  identity: 'email',
  round: 1,
  source: 'request',
  via: 'identity',
};
const byUser: ProvenanceEntry = {
  column: 'user_id',
  from: 'postgres:public.users.id',
  round: 2,
  via: 'follow',
};

/**
 * A subject with one account holding every hostile value, `notes` newsletter rows (one with a
 * 10 MB value when `big`), and no orders (a searched table with nothing found).
 */
export function hostileDocument(options: { notes?: number; big?: boolean } = {}): FindingsDocument {
  const notes = options.notes ?? 3;
  return buildFindingsDocument({
    requestId: packageRequest.requestId,
    subjectHash: 'a'.repeat(64),
    tables: [
      {
        system: 'postgres',
        table: 'public.users',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 42 },
            provenance: [byEmail],
            row: {
              balance: '-12.50',
              big_number: '123456789012345678901234567890',
              email: 'ana@example.com',
              id: 42,
              prefs: { limit: new JsonNumber('1.000000000000000000001'), theme: 'dark' },
              ...HOSTILE,
            },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.newsletter_subscriptions',
        primaryKey: ['id'],
        rows: Array.from({ length: notes }, (_, i) => ({
          key: { id: i + 1 },
          provenance: [byUser],
          row: {
            id: i + 1,
            topic: i === 0 && options.big ? 'x'.repeat(BIG_VALUE_LENGTH) : `topic ${i + 1}`,
            user_id: 42,
          },
        })),
      },
      { system: 'postgres', table: 'public.orders', primaryKey: ['id'], rows: [] },
    ],
  });
}

/** A private temporary folder for one test's packages (`dsr-package-*`). */
export function packageTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dsr-package-'));
}
