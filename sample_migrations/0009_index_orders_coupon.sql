-- schemaguard:no-transaction
SET lock_timeout = '2s';

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_coupon_id_idx ON orders (coupon_id);
