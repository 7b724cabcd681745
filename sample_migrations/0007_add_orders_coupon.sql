SET lock_timeout = '2s';

CREATE TABLE coupons (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    percent_off integer NOT NULL CHECK (percent_off BETWEEN 1 AND 100)
);

-- metadata only: a nullable column without a default is instant
ALTER TABLE orders ADD COLUMN coupon_id bigint;
