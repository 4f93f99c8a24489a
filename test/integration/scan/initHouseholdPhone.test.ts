import { describe, expect, it } from 'vitest';
import { useInitialDataMap } from '../../support/initMapFixture';

/**
 * Users and a profile per user (`user_id` unique): two users of one household share a phone number
 * in their profiles; the profile's e-mail is its user's.
 */
const SCHEMA = `
  CREATE TABLE public.auth_user (id int PRIMARY KEY, username text UNIQUE, email text NOT NULL);
  CREATE TABLE public.accounts_profile (id int PRIMARY KEY, user_id int UNIQUE REFERENCES public.auth_user (id),
    phone text, contact_email text, bio text);
  INSERT INTO public.auth_user SELECT i, 'user' || i, 'user' || i || '@example.org' FROM generate_series(1, 40) i;
  INSERT INTO public.accounts_profile SELECT i, i, '+44 20 7946 ' || lpad((CASE WHEN i IN (1, 4) THEN 1 ELSE i END)::text, 4, '0'),
    'user' || i || '@example.org', 'bio' FROM generate_series(1, 40) i;
  ANALYZE;
`;

const init = useInitialDataMap('init_household_phone', SCHEMA, ['public']);
const table = init.table;

describe('Function: initDataMap (a table with one row per person of another)', () => {
  it('does not search a profile by a phone number two of its rows hold, and says why', () => {
    // Before, `phone: phone` was mapped: a request by the household's number answered with both profiles.
    expect(table('public.accounts_profile')?.identities?.phone).toBeUndefined();
    expect(init.yaml).toContain(
      'phone (phone) is not searched here: 2 of 40 sampled values repeat, and each row belongs to one row of public.auth_user',
    );
  });

  it("keeps the profile's e-mail, which repeats nowhere, and the user's own e-mail as the user's identity", () => {
    expect(table('public.accounts_profile')?.identities?.email).toBe('contact_email');
    expect(table('public.auth_user')?.identities?.email).toBe('email');
    expect(table('public.auth_user')?.learn).toContain('email');
  });
});
