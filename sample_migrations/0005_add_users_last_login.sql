-- Metadata-only change, but it still needs ACCESS EXCLUSIVE: never wait for it forever.
SET lock_timeout = '2s';

ALTER TABLE users ADD COLUMN last_login_at timestamptz;
