-- forms PostgreSQL folds or prints differently from how a migration writes them
-- (a time stamp without zone is read in the session's zone: UTC, as diff assumes)
SET TimeZone = 'UTC';
CREATE TYPE build_status AS ENUM ('pending', 'started', 'succeeded');
CREATE TABLE builds (
    id bigserial PRIMARY KEY,
    rerun_of bigint,
    rerun_of_old integer,
    status build_status NOT NULL DEFAULT 'pending',
    done boolean NOT NULL DEFAULT 'f',
    retried boolean DEFAULT 'false',
    attempts bigint NOT NULL DEFAULT '0',
    checked_at timestamptz NOT NULL DEFAULT 'epoch',
    scheduled timestamp with time zone NOT NULL DEFAULT '1970-01-01 00:00:00',
    last_retry timestamp NOT NULL DEFAULT '1970-01-01',
    expires_at timestamptz DEFAULT now() + '3 minutes'::interval,
    nudge_at timestamptz DEFAULT now() - random() * INTERVAL '12 months',
    name text,
    url text,
    email_confirmed_at timestamptz,
    phone_confirmed_at timestamptz,
    confirmed_at timestamptz GENERATED ALWAYS AS (least(builds.email_confirmed_at, builds.phone_confirmed_at)) STORED,
    CONSTRAINT builds_name_not_blank CHECK (char_length(TRIM(name)) > 0),
    CONSTRAINT builds_url CHECK (url = NULL OR char_length(url) > 0),
    CONSTRAINT builds_status_known CHECK (status IN ('pending', 'started', 'succeeded'))
);
ALTER TABLE builds ALTER last_retry TYPE timestamptz;
CREATE INDEX builds_pending_idx ON builds (id) WHERE status = 'pending' OR status = 'started';
CREATE INDEX builds_rerun_idx ON builds ((coalesce(rerun_of, rerun_of_old, id)), id);
CREATE INDEX builds_done_idx ON builds (id) WHERE builds.done IS FALSE;

CREATE TABLE downloads (version_id integer NOT NULL, date date NOT NULL, n integer);
CREATE UNIQUE INDEX downloads_unique ON downloads (version_id, date);
ALTER TABLE downloads ADD CONSTRAINT downloads_pkey PRIMARY KEY USING INDEX downloads_unique;

CREATE DOMAIN short_code AS varchar(8);
CREATE TABLE labels (
    code short_code CHECK (code <> '' AND code IN ('a', 'b')),
    weight positive_int CHECK (weight > 1 AND weight <> '7' AND weight <> NULL),
    tags text[] CHECK (tags <> '{}'),
    created date CHECK (created > '2020-01-01')
);

CREATE TABLE build_events (build_id bigint, event_id integer NOT NULL, payload text NOT NULL);
CREATE TABLE check_build_events () INHERITS (build_events);
CREATE TABLE more_build_events (extra text) INHERITS (build_events);
