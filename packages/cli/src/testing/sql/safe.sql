SET lock_timeout = '2s';
SET statement_timeout = '5min';
CREATE TABLE IF NOT EXISTS audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;
