-- The index the foreign key needs (deleting a coupon must not scan orders), built
-- before the key, without blocking writes.
-- schemaguard:no-transaction
SET lock_timeout = '2s';

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_coupon_id_idx ON orders (coupon_id);
