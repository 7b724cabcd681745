-- The foreign key locks the referenced table (SHARE ROW EXCLUSIVE), so bound the wait.
SET lock_timeout = '2s';

CREATE TABLE order_items (
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  bigint NOT NULL REFERENCES products (id),
    quantity    integer NOT NULL DEFAULT 1,
    price_cents bigint NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

CREATE INDEX order_items_product_id_idx ON order_items (product_id);
