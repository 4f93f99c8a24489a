-- What the demo adds to the sample shop database: a newsletter table whose warehouse mirror has
-- drifted (its timestamp lost the zone), and the one subject found only there.
CREATE TABLE public.newsletter_subscriptions (
  id            bigint PRIMARY KEY,
  email         text NOT NULL,
  subscribed_at timestamptz NOT NULL,
  source        text
);
CREATE INDEX newsletter_email_lower ON public.newsletter_subscriptions (lower(normalize(btrim(email, E'\u0009\u000a\u000b\u000c\u000d \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'), NFC)));
INSERT INTO public.newsletter_subscriptions VALUES
 (1, 'dana.kowalski@example.com', '2025-06-01 08:00:00+02', 'footer form');

-- The subject of the demo's erasure that waits for approval: three support tickets, more rows than
-- the demo lets an erasure change without an operator's approval.
INSERT INTO public.support_tickets (ticket_id, requester_email, user_id, subject, body, opened_at) VALUES
 ('7d9f6c2e-0000-4000-8000-0000000000a1', 'greta.nilsson@example.se', NULL, 'Invoice address',
  '{"messages": [{"from": "greta.nilsson@example.se", "text": "Greta Nilsson, Storgatan 7"}]}', '2025-02-01 08:00:00+00'),
 ('7d9f6c2e-0000-4000-8000-0000000000a2', 'greta.nilsson@example.se', NULL, 'Refund',
  '{"messages": [{"from": "greta.nilsson@example.se", "text": "Please refund order 5512"}]}', '2025-03-03 09:15:00+00'),
 ('7d9f6c2e-0000-4000-8000-0000000000a3', 'Greta.Nilsson@Example.se', NULL, 'Close my account',
  '{"messages": [{"from": "greta.nilsson@example.se", "text": "Greta Nilsson asks to close her account"}]}', '2025-04-04 10:30:00+00');
