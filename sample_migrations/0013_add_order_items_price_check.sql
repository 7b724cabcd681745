SET lock_timeout = '2s';

ALTER TABLE order_items
    ADD CONSTRAINT order_items_price_positive CHECK (price_cents > 0) NOT VALID;
