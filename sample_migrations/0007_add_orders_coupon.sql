SET lock_timeout = '2s';

CREATE TABLE coupons (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    percent_off integer NOT NULL CHECK (percent_off BETWEEN 1 AND 100)
);

ALTER TABLE orders ADD COLUMN coupon_id bigint;

-- NOT VALID: existing rows are checked later, without blocking writes
ALTER TABLE orders
    ADD CONSTRAINT orders_coupon_id_fkey FOREIGN KEY (coupon_id) REFERENCES coupons (id) NOT VALID;
