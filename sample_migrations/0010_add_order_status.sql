SET lock_timeout = '2s';

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');

-- a constant default is stored once (PostgreSQL 11+): no rewrite
ALTER TABLE orders ADD COLUMN status order_status NOT NULL DEFAULT 'pending';
