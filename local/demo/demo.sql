-- What the demo adds to the sample shop database: a newsletter table whose warehouse mirror has
-- drifted (its timestamp lost the zone), and the one subject found only there.
CREATE TABLE public.newsletter_subscriptions (
  id            bigint PRIMARY KEY,
  email         text NOT NULL,
  subscribed_at timestamptz NOT NULL,
  source        text
);
CREATE INDEX newsletter_email_lower ON public.newsletter_subscriptions (lower(email));
INSERT INTO public.newsletter_subscriptions VALUES
 (1, 'dana.kowalski@example.com', '2025-06-01 08:00:00+02', 'footer form');
