-- The sample product database: an online shop. Used by the demo, the tests and the benchmarks.
DROP TABLE IF EXISTS public.events, public.support_tickets, public.payments, public.orders, public.addresses, public.users CASCADE;

CREATE TABLE public.users (
  id               bigint PRIMARY KEY,
  email            text NOT NULL,
  full_name        text NOT NULL,
  phone            text,
  date_of_birth    date,
  country          char(2) NOT NULL,
  balance          numeric(38, 18) NOT NULL DEFAULT 0,
  loyalty_points   integer NOT NULL DEFAULT 0,
  rating           double precision,
  marketing_opt_in boolean NOT NULL DEFAULT false,
  preferences      jsonb,
  password_hash    text NOT NULL,
  external_id      uuid NOT NULL,
  avatar           bytea,
  tags             text[],
  created_at       timestamptz NOT NULL,
  last_login_at    timestamp
);

CREATE TABLE public.addresses (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL,
  kind        text NOT NULL,
  line1       text NOT NULL,
  city        text NOT NULL,
  postal_code text NOT NULL,
  country     char(2) NOT NULL
);

CREATE TABLE public.orders (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL,
  address_id  bigint,
  status      text NOT NULL,
  total       numeric(12, 2) NOT NULL,
  currency    char(3) NOT NULL,
  placed_at   timestamptz NOT NULL
);

CREATE TABLE public.payments (
  order_id    bigint NOT NULL,
  attempt     smallint NOT NULL,
  amount      numeric(38, 18) NOT NULL,
  card_last4  char(4),
  succeeded   boolean NOT NULL,
  paid_at     timestamptz NOT NULL,
  PRIMARY KEY (order_id, attempt)
);

CREATE TABLE public.support_tickets (
  ticket_id       uuid PRIMARY KEY,
  requester_email text NOT NULL,
  user_id         bigint,
  subject         text NOT NULL,
  body            jsonb NOT NULL,
  opened_at       timestamptz NOT NULL
);

CREATE TABLE public.events (
  id          bigint PRIMARY KEY,
  user_id     bigint NOT NULL,
  kind        text NOT NULL,
  properties  jsonb,
  occurred_at timestamptz NOT NULL
);
