-- Each statement commits on its own: the key is added NOT VALID (instant), then the
-- existing rows are checked under SHARE UPDATE EXCLUSIVE (reads and writes go on).
-- schemaguard:no-transaction
SET lock_timeout = '2s';

ALTER TABLE orders
    ADD CONSTRAINT orders_coupon_id_fkey FOREIGN KEY (coupon_id) REFERENCES coupons (id) NOT VALID;

ALTER TABLE orders VALIDATE CONSTRAINT orders_coupon_id_fkey;
