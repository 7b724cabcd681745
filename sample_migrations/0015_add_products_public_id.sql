-- DANGEROUS: gen_random_uuid() is volatile, so every existing row is rewritten.
SET lock_timeout = '2s';

ALTER TABLE products ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
