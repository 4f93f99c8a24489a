import { describe, expect, it } from 'vitest';
import { useInitialDataMap } from '../../support/initMapFixture';

/**
 * Staff and customers in one `users` table, a dispute naming the user who opened it and the one
 * who handled it; a clinic's appointments naming the patient and the doctor; a marketplace's
 * orders naming the buyer and the seller, each in a table of their own. Every person of the last
 * two is named by about as many rows as any other, so fan-out tells no side: names must.
 */
const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE, is_staff boolean);
  CREATE TABLE app.disputes (id int PRIMARY KEY, opened_by int REFERENCES app.users, handled_by int REFERENCES app.users, resolution text);
  CREATE TABLE app.patients (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.doctors (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.appointments (id int PRIMARY KEY, patient_id int REFERENCES app.patients, doctor_id int REFERENCES app.doctors, reason text);
  CREATE TABLE app.buyers (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.sellers (id int PRIMARY KEY, email text NOT NULL UNIQUE, iban text);
  CREATE TABLE app.orders (id int PRIMARY KEY, buyer_id int REFERENCES app.buyers, seller_id int REFERENCES app.sellers, item text);
  INSERT INTO app.users SELECT i, 'user' || i || '@example.org', i <= 2 FROM generate_series(1, 30) i;
  INSERT INTO app.disputes SELECT k, 3 + k % 28, 1 + k % 2, 'refund' FROM generate_series(1, 60) k;
  INSERT INTO app.patients SELECT i, 'patient' || i || '@example.org' FROM generate_series(1, 30) i;
  INSERT INTO app.doctors SELECT i, 'doctor' || i || '@clinic.example' FROM generate_series(1, 30) i;
  INSERT INTO app.appointments SELECT k, 1 + k % 30, 1 + (k * 7) % 30, 'checkup' FROM generate_series(1, 60) k;
  INSERT INTO app.buyers SELECT i, 'buyer' || i || '@example.org' FROM generate_series(1, 30) i;
  INSERT INTO app.sellers SELECT i, 'seller' || i || '@example.org', 'DE00' || i FROM generate_series(1, 30) i;
  INSERT INTO app.orders SELECT k, 1 + k % 30, 1 + (k * 7) % 30, 'book' FROM generate_series(1, 60) k;
  ANALYZE;
`;

const init = useInitialDataMap('init_workforce_columns', SCHEMA, ['app']);
const table = init.table;

describe('Function: initDataMap (the workforce side of a table naming people through several columns)', () => {
  it('does not follow handled_by where opened_by names the same users table, and says why', () => {
    // Before, both were followed: a staff member's answer held every dispute they handled.
    expect(table('app.disputes')?.follow).toEqual({ opened_by: 'app.users.id' });
    expect(init.yaml).toContain('# handled_by is not followed to app.users.id: the workforce side');
  });

  it("does not follow an appointment's doctor_id, and follows the patient", () => {
    // Before, a doctor's answer held every patient's appointment with its reason.
    expect(table('app.appointments')?.follow).toEqual({ patient_id: 'app.patients.id' });
    expect(init.yaml).toContain('# doctor_id is not followed to app.doctors.id: the workforce side');
  });

  it("follows both sides of a marketplace's orders: a seller is a customer of the marketplace, not its staff", () => {
    // Before, `seller` was a workforce word and a seller's own orders were left out of their answer.
    expect(table('app.orders')?.follow).toEqual({ buyer_id: 'app.buyers.id', seller_id: 'app.sellers.id' });
  });
});
