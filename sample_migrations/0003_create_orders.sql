-- The foreign key locks the referenced table (SHARE ROW EXCLUSIVE), so bound the wait.
SET lock_timeout = '2s';

CREATE TABLE orders (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    placed_at  timestamptz NOT NULL DEFAULT now(),
    total_cents bigint NOT NULL DEFAULT 0
);

-- a new, empty table: a plain CREATE INDEX is fine here
CREATE INDEX orders_user_id_idx ON orders (user_id);
