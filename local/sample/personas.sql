-- Hand-made subjects with the edge cases the canonical form must get right. Their ids lie far
-- above the generated ones, so they never collide at any scale.
INSERT INTO public.users (id, email, full_name, phone, date_of_birth, country, balance, loyalty_points, rating,
  marketing_opt_in, preferences, password_hash, external_id, avatar, tags, created_at, last_login_at) VALUES
 (900000001, 'Ana.Lopez@Example.com', 'Ána Łópez 🦊', '+44 20 7946 0011', '1990-02-28', 'GB',
  12345678901234567890.123456789012345678, 2147483647, 4.25, true,
  '{"newsletter": {"topics": ["shoes", "bags"]}, "referral_code": 123456789012345678901234567890, "contacts": [{"name": "Ana Mother", "phone": "+34 600 000 111"}], "ratio": 0.1}',
  'argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
  '\x89504e470d0a1a0a', '{vip,"early adopter"}', '2021-03-04 05:06:07.123456+05:30', '2024-12-31 23:59:59.999999'),
 (900000002, 'bob.marsh@example.net', 'Bob Marsh', '(020) 7946 0022', NULL, 'GB', 0, 0, NULL, false, NULL,
  'argon2id$v=19$m=65536,t=3,p=4$b2I$Ym9i', 'b1ffcd88-8d1a-4ef8-bb6d-6bb9bd380a22', NULL, NULL,
  '2022-07-01 12:00:00+00', NULL);

INSERT INTO public.addresses (id, user_id, kind, line1, city, postal_code, country) VALUES
 (900000001, 900000001, 'home', '12 Rue de l''Église', 'London', 'SW1A 1AA', 'GB'),
 (900000002, 900000001, 'work', '1 Canada Square', 'London', 'E14 5AB', 'GB'),
 (900000003, 900000002, 'home', '7 Mill Lane', 'Leeds', 'LS1 4AP', 'GB');

INSERT INTO public.orders (id, user_id, address_id, status, total, currency, placed_at) VALUES
 (900000001, 900000001, 900000001, 'delivered', 149.90, 'GBP', '2023-05-06 07:08:09.000001+00'),
 (900000002, 900000001, 900000002, 'refunded', 20.00, 'EUR', '2024-02-29 23:59:59.5+01'),
 (900000003, 900000002, 900000003, 'delivered', 5.00, 'GBP', '2024-03-01 00:00:00+00');

INSERT INTO public.payments (order_id, attempt, amount, card_last4, succeeded, paid_at) VALUES
 (900000001, 1, 149.900000000000000000, '4242', false, '2023-05-06 07:08:10+00'),
 (900000001, 2, 149.900000000000000001, '4242', true, '2023-05-06 07:09:00+00'),
 (900000002, 1, 20, '0005', true, '2024-02-29 23:59:59.5+01'),
 (900000003, 1, 5, '1881', true, '2024-03-01 00:00:01+00');

INSERT INTO public.support_tickets (ticket_id, requester_email, user_id, subject, body, opened_at) VALUES
 ('7d9f6c2e-0000-4000-8000-000000000001', 'ana.lopez@example.com', 900000001, 'Where is my parcel?',
  '{"messages": [{"from": "Ana.Lopez@Example.com", "text": "Please call me on +44 20 7946 0011"}, {"from": "agent", "text": "Shipped"}], "meta": {"order": 900000001}}',
  '2023-05-10 09:00:00+00'),
 ('7d9f6c2e-0000-4000-8000-000000000002', 'chloe.dubois@example.org', NULL, 'Delete my newsletter subscription',
  '{"messages": [{"from": "chloe.dubois@example.org", "text": "Je suis Chloé Dubois, née le 1985-07-14"}]}',
  '2024-01-15 10:30:00+00');

INSERT INTO public.events (id, user_id, kind, properties, occurred_at) VALUES
 (900000001, 900000001, 'login', '{"ip": "203.0.113.7"}', '2024-12-31 23:59:59.999999+00'),
 (900000002, 900000001, 'view', '{"sku": "SHOE-1", "price": 99.990000000000000001}', '2025-01-01 00:00:00+00'),
 (900000003, 900000002, 'login', '{"ip": "2001:db8::1"}', '2024-03-01 00:00:02+00');
