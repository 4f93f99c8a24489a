-- Indexes the sample data map implies: every searched expression, every followed column.
-- Normalised identities are searched as lower(col) / digits-only, so those expressions are indexed.
CREATE INDEX IF NOT EXISTS users_email_lower ON public.users (lower(email));
CREATE INDEX IF NOT EXISTS users_phone_digits ON public.users (regexp_replace(phone, '[^0-9]', '', 'g'));
CREATE INDEX IF NOT EXISTS addresses_user_id ON public.addresses (user_id, id);
CREATE INDEX IF NOT EXISTS orders_user_id ON public.orders (user_id, id);
CREATE INDEX IF NOT EXISTS tickets_requester_lower ON public.support_tickets (lower(requester_email));
CREATE INDEX IF NOT EXISTS tickets_user_id ON public.support_tickets (user_id);
CREATE INDEX IF NOT EXISTS events_user_id ON public.events (user_id, id);
ALTER TABLE public.addresses ADD CONSTRAINT addresses_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES public.orders (id);
ALTER TABLE public.events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id);
ANALYZE;
