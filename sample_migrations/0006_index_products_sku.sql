-- schemaguard:no-transaction
SET lock_timeout = '2s';

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS products_sku_key ON products (sku);
