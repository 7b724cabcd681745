SET lock_timeout = '2s';

ALTER TABLE order_items VALIDATE CONSTRAINT order_items_price_positive;
