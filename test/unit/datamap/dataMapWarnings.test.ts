import { describe, expect, it } from 'vitest';
import { dataMapWarnings } from '../../../shared/datamap/dataMapWarnings';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';

const header = `version: 1
identities: { email: { normalize: lowercase }, employee_id: {}, customer_id: {} }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [email, customer_id]
`;

describe('Function: dataMapWarnings', () => {
  it('has nothing to say about a map that learns only from one-person-per-row tables', () => {
    const map = parseDataMap(
      `${header}  - table: public.orders
    primaryKey: [id]
    follow: { customer_id: public.customers.id }
  - table: public.service_request
    primaryKey: [id]
    identities: { email: [email, alt_email], employee_id: employee_id }
`,
      'map.yaml',
    );
    expect(dataMapWarnings(map)).toEqual([]);
  });

  it('warns about a table that learns some kinds but maps another it does not learn', () => {
    const map = parseDataMap(
      `${header}  - table: public.service_request
    primaryKey: [id]
    identities: { email: [email, alt_email], employee_id: employee_id }
    learn: [employee_id]
`,
      'map.yaml',
    );
    expect(dataMapWarnings(map)).toEqual([
      {
        path: ['postgres', 1, 'learn'],
        message:
          'public.service_request learns employee_id but also maps email, which it does not learn: its rows may mention several people, e.g. a staff member and a customer; learn from it only if each row describes one person',
      },
    ]);
  });

  it('warns about a table that learns and is searched through a follow edge', () => {
    const map = parseDataMap(
      `${header}  - table: public.orders
    primaryKey: [id]
    identities: { email: contact_email }
    learn: [email]
    follow: { customer_id: public.customers.id }
`,
      'map.yaml',
    );
    expect(dataMapWarnings(map)).toEqual([
      {
        path: ['postgres', 1, 'learn'],
        message:
          'public.orders learns email and is searched through a follow edge: rows reached through a follow edge may be about someone else',
      },
    ]);
  });
});
