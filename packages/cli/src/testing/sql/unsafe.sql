-- Adds an index and a foreign key the unsafe way.
SET lock_timeout = '2s'; SET statement_timeout = '5min';

BEGIN;
ALTER TABLE "Orders" ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
COMMIT;

/* the index */ CREATE INDEX orders_created_idx ON "Orders" (created_at);
DO $$
BEGIN
  RAISE NOTICE 'done; really';
END
$$;
