CREATE INDEX i ON t (a DESC,\id DESC, b);

CREATE INDEX j ON t (c);
