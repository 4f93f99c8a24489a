-- Indexes the sample data map implies: every searched expression, every followed column.
-- Normalised identities are searched through the expression of their normalisation, so those
-- expressions are indexed, written exactly as the searcher writes them (shared/postgres/matchExpression.ts):
--   lowercase: lower(normalize(btrim(col, <the white space String.prototype.trim removes>), NFC))
--   digits:    regexp_replace(col, '[^0-9]', '', 'g')
-- `dsr datamap validate --live` prints the statement for any identity column that lacks its index.
CREATE INDEX IF NOT EXISTS users_email_lower ON public.users (lower(normalize(btrim(email, E'\u0009\u000a\u000b\u000c\u000d \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'), NFC)));
CREATE INDEX IF NOT EXISTS users_phone_digits ON public.users (regexp_replace(phone, '[^0-9]', '', 'g'));
CREATE INDEX IF NOT EXISTS addresses_user_id ON public.addresses (user_id, id);
CREATE INDEX IF NOT EXISTS orders_user_id ON public.orders (user_id, id);
CREATE INDEX IF NOT EXISTS tickets_requester_lower ON public.support_tickets (lower(normalize(btrim(requester_email, E'\u0009\u000a\u000b\u000c\u000d \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'), NFC)));
CREATE INDEX IF NOT EXISTS tickets_user_id ON public.support_tickets (user_id);
CREATE INDEX IF NOT EXISTS events_user_id ON public.events (user_id, id);
ALTER TABLE public.addresses ADD CONSTRAINT addresses_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES public.orders (id);
ALTER TABLE public.events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id);
ANALYZE;
