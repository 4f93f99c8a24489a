import { createHash, randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../support/postgres';

/** A small deterministic generator, so planted values are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function luhnCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    let sum = 0;
    const digits = `${body}${d}`;
    for (let i = 0; i < digits.length; i++) {
      let x = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return String(d);
  }
  throw new Error('unreachable');
}

function ibanCheck(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return String(98 - Number(BigInt(numeric) % 97n)).padStart(2, '0');
}

/** The rows planted in the fixture, kept so tests can search any output for every one of them. */
export interface PiiFixture {
  /** Every value written to the database that a report must never repeat. */
  readonly plantedValues: readonly string[];
  readonly rows: number;
}

/** The data map of the fixture: `app.leads` is missing, `app.customers.ssn` is excluded. */
export const FIXTURE_DATAMAP = `version: 1
identities:
  email: { normalize: lowercase }
  customer_id: {}
postgres:
  - table: app.customers
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    exclude: [ssn, password_hash]
  - table: app.orders
    primaryKey: [id]
    follow: { customer_id: app.customers.id }
`;

/**
 * Creates schema `app` with PII in plain columns, inside JSONB paths, in a table the data map
 * misses (`app.leads`) and in a column it excludes (`app.customers.ssn`), next to look-alikes that
 * no detector may take for PII.
 */
export async function seedPiiFixture(db: TestDatabase, rows = 40): Promise<PiiFixture> {
  const random = prng(20240611);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const planted: string[] = [];
  const keep = (value: string) => {
    planted.push(value);
    return value;
  };
  const first = ['Amelia', 'Bartholomew', 'Cordelia', 'Desmond', 'Evangeline', 'Florian', 'Genoveva'];
  const last = ['Whitcombe', 'Okonkwo-Reyes', 'Lindqvist', 'Castellanos', 'Abernathy', 'Nakashima'];

  const card = (prefix: string, length: number) => {
    const body = prefix + digits(length - prefix.length - 1);
    return body + luhnCheckDigit(body);
  };
  const badLuhn = (prefix: string, length: number) => {
    const good = card(prefix, length);
    return good.slice(0, -1) + String((Number(good.slice(-1)) + 1) % 10);
  };
  const iban = () => {
    const bban = digits(18);
    return `DE${ibanCheck('DE', bban)}${bban}`;
  };
  const badIban = () => {
    const good = iban();
    const check = (Number(good.slice(2, 4)) + 1) % 100;
    return `DE${String(check).padStart(2, '0')}${good.slice(4)}`;
  };

  await db.exec(`
    CREATE SCHEMA app;
    CREATE TABLE app.customers (
      id bigint PRIMARY KEY, email text NOT NULL, full_name text, phone text, birth_date date,
      card_number text, iban text, ssn text, last_ip inet, profile jsonb, password_hash text,
      order_ref text, account_number numeric(20), token text, checksum text, seen_at text,
      app_version text, ref_code text, created_at timestamptz NOT NULL, external_id uuid NOT NULL
    );
    CREATE TABLE app.orders (
      id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES app.customers (id),
      ship_to text, meta jsonb, placed_at timestamptz NOT NULL
    );
    CREATE TABLE app.leads (id bigint PRIMARY KEY, contact_email text, notes jsonb);
  `);

  for (let i = 1; i <= rows; i++) {
    const given = pick(first);
    const family = pick(last);
    const customer = {
      email: keep(`${given}.${family}${i}@mailbox-example.org`.toLowerCase()),
      fullName: keep(`${given} ${family}`),
      phone: keep(i % 2 === 0 ? `+49 151 ${digits(8)}` : `020 7946 ${digits(4)}`),
      birthDate: keep(
        `${1950 + (i % 50)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
      ),
      card: keep(i % 3 === 0 ? card('37', 15) : i % 3 === 1 ? card('4', 16) : card('53', 16)),
      iban: keep(iban()),
      ssn: keep(
        `${100 + Math.floor(random() * 500)}-${String(10 + (i % 89)).padStart(2, '0')}-${String(1000 + i * 7)}`,
      ),
      ip: keep(i % 2 === 0 ? `203.0.113.${i}` : `2001:db8:85a3::8a2e:${(0x100 + i).toString(16)}`),
      profileEmail: keep(`alt.${family}.${i}@othermail-example.net`.toLowerCase()),
      profilePhone: keep(`+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`),
      profileStreet: keep(`${10 + i} Larkspur Avenue`),
      passwordHash: keep(createHash('sha256').update(`pw-${i}`).digest('hex')),
      orderRef: keep(badLuhn('4', 16)),
      accountNumber: keep(badLuhn(String(1 + (i % 9)), 16)),
      token: keep(randomUUID()),
      checksum: keep(createHash('sha256').update(`file-${i}`).digest('hex')),
      seenAt: keep(`2025-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:1${i % 6}:3${i % 10}.${digits(3)}Z`),
      version: keep(i % 2 === 0 ? `${i % 7}.${i}.${(i * 3) % 11}` : `10.0.${19000 + i}.${i * 13}`),
      refCode: keep(badIban()),
    };
    await db.exec(
      `INSERT INTO app.customers VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, now(), gen_random_uuid())`,
      [
        i,
        customer.email,
        customer.fullName,
        customer.phone,
        customer.birthDate,
        customer.card,
        customer.iban,
        customer.ssn,
        customer.ip,
        JSON.stringify({
          theme: i % 2 === 0 ? 'dark' : 'light',
          contact: { email: customer.profileEmail, phone: customer.profilePhone },
          addresses: [{ street: customer.profileStreet, city: 'Springfield' }],
        }),
        customer.passwordHash,
        customer.orderRef,
        customer.accountNumber,
        customer.token,
        customer.checksum,
        customer.seenAt,
        customer.version,
        customer.refCode,
      ],
    );
    await db.exec('INSERT INTO app.orders VALUES ($1, $2, $3, $4, now())', [
      i,
      i,
      keep(i % 2 === 0 ? `${100 + i} Harrowgate Road, Leeds` : `Lindenstraße ${i}, Berlin`),
      JSON.stringify({
        payment: { card: keep(card('4', 16)), reference: keep(badLuhn('5', 16)) },
        build: keep(`${2 + (i % 3)}.${i}.${i % 4}`),
        trace_id: keep(randomUUID()),
        digest: keep(createHash('sha256').update(`order-${i}`).digest('hex')),
      }),
    ]);
    await db.exec('INSERT INTO app.leads VALUES ($1, $2, $3)', [
      i,
      keep(`lead${i}.${family}@prospect-example.com`.toLowerCase()),
      JSON.stringify({
        source: 'web',
        submitted: {
          phone: keep(`+1 415 555 ${String(1000 + i).slice(-4)}`),
          at: keep(`2025-03-${10 + (i % 18)}T12:00:00Z`),
        },
      }),
    ]);
  }
  await db.exec('ANALYZE');
  return { plantedValues: [...new Set(planted)], rows };
}
