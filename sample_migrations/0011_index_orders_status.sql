-- DANGEROUS: orders already holds data; this blocks every write to it while the index builds.
SET lock_timeout = '2s';

CREATE INDEX orders_status_idx ON orders (status);
