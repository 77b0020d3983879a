-- sigap's tables on PostgreSQL/PostGIS, schema version 1 (docs/design/postgres.md 2.3).
--
-- Applied by `PgStore::init` in one transaction, after `CREATE EXTENSION postgis`,
-- `CREATE SCHEMA sigap AUTHORIZATION sigap_owner` and `SET ROLE sigap_owner`, with
-- search_path = sigap, public: every object below belongs to the NOLOGIN owner role, never to the role the
-- service logs in as. Each statement may run again on a schema that has it already
-- (IF NOT EXISTS, CREATE OR REPLACE, ON CONFLICT DO NOTHING), so init is idempotent.
--
-- Tables, columns and unique constraints are the SQLite ones (src/store/schema.rs,
-- src/store/identities.rs, src/auth/schema.rs) so the code reads alike. Type mapping:
-- INTEGER -> bigint (SQLite integers are 64-bit), INTEGER PRIMARY KEY AUTOINCREMENT ->
-- bigint GENERATED ALWAYS AS IDENTITY, REAL -> double precision, BLOB -> bytea, DATE ->
-- date, BOOLEAN and the 0/1 INTEGER flags of the accounts -> boolean, geometry columns
-- -> PostGIS geometry(MultiPolygon|Point, 4326) with a GiST index. Timestamps stay text
-- in the SQLite form 'YYYY-MM-DDTHH:MM:SSZ' (UTC; the audit log keeps milliseconds), so
-- API answers are the same strings on both backends.

-- Store metadata: schema_version and the import revision (a whole number as text, as
-- in SQLite). The revision moves by one in every import's transaction.
CREATE TABLE IF NOT EXISTS sigap_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO sigap_meta (key, value) VALUES ('schema_version', '1'), ('revision', '0')
  ON CONFLICT (key) DO NOTHING;

-- The four layers, in WGS84.
CREATE TABLE IF NOT EXISTS villages (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  district text NOT NULL
);
CREATE INDEX IF NOT EXISTS villages_geom ON villages USING gist (geom);

CREATE TABLE IF NOT EXISTS children (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  geom geometry(Point, 4326) NOT NULL,
  pseudonym text NOT NULL,
  sex text NOT NULL,
  birth_date date NOT NULL,
  measure_date date NOT NULL,
  height_cm double precision NOT NULL,
  haz double precision NOT NULL,
  placed_by_village text,
  period text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS children_pseudonym_period ON children (pseudonym, period);
CREATE INDEX IF NOT EXISTS children_geom ON children USING gist (geom);

CREATE TABLE IF NOT EXISTS households (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  geom geometry(Point, 4326) NOT NULL,
  pseudonym text NOT NULL UNIQUE,
  has_latrine boolean NOT NULL,
  safe_water boolean NOT NULL,
  improved_sanitation boolean NOT NULL,
  unfit_housing boolean,
  four_t boolean,
  target_groups bigint,
  h3_5 bigint,
  h3_6 bigint,
  h3_7 bigint,
  h3_8 bigint
);
CREATE INDEX IF NOT EXISTS households_geom ON households USING gist (geom);

CREATE TABLE IF NOT EXISTS facilities (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  geom geometry(Point, 4326) NOT NULL,
  id text NOT NULL UNIQUE,
  name text NOT NULL,
  kind text NOT NULL
);
CREATE INDEX IF NOT EXISTS facilities_geom ON facilities USING gist (geom);

-- Names and addresses sealed under the identity key, which the database never sees.
CREATE TABLE IF NOT EXISTS sigap_identities (
  layer text NOT NULL CHECK (layer IN ('children', 'households')),
  pseudonym text NOT NULL,
  sealed bytea NOT NULL,
  PRIMARY KEY (layer, pseudonym)
);

-- The store's small tables (src/store/*.rs), written and read with the same SQL as on
-- SQLite (src/store/sql.rs). Times are set by sigap (text, UTC); the defaults only
-- serve a row added by hand.
CREATE TABLE IF NOT EXISTS sigap_teams (
  name text PRIMARY KEY,
  added_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE TABLE IF NOT EXISTS sigap_assignments (
  pseudonym text PRIMARY KEY,
  team text NOT NULL
);

-- The road network and the OpenStreetMap extract: one row each (id 1).
CREATE TABLE IF NOT EXISTS sigap_roads (
  id bigint PRIMARY KEY CHECK (id = 1),
  source text NOT NULL,
  imported_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  report text NOT NULL,
  network bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS sigap_osm_extract (
  id bigint PRIMARY KEY CHECK (id = 1),
  source text NOT NULL,
  pbf bytea NOT NULL
);

-- Population sums of the last raster import (per H3 cell, per village, its source).
CREATE TABLE IF NOT EXISTS population_cells (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  res bigint NOT NULL,
  h3 text NOT NULL UNIQUE,
  value double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS population_villages (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE,
  value double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS population_source (
  fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file text NOT NULL,
  band bigint NOT NULL,
  crs text NOT NULL,
  total double precision NOT NULL,
  outside double precision NOT NULL,
  beyond double precision NOT NULL,
  villages_sha256 text NOT NULL,
  imported_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

-- The intervention ledger.
CREATE TABLE IF NOT EXISTS sigap_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  programme text NOT NULL,
  recipient_kind text NOT NULL CHECK (recipient_kind IN ('child', 'household', 'village')),
  recipient text NOT NULL,
  date text NOT NULL,
  period text NOT NULL,
  quantity double precision CHECK (quantity IS NULL OR quantity >= 0),
  unit text,
  cost double precision CHECK (cost IS NULL OR cost >= 0),
  by text,
  source text NOT NULL,
  UNIQUE (programme, recipient_kind, recipient, date)
);
CREATE INDEX IF NOT EXISTS sigap_deliveries_period ON sigap_deliveries (period);

-- Measurement targets per village; period '' for every round.
CREATE TABLE IF NOT EXISTS sigap_measure_targets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL,
  period text NOT NULL DEFAULT '',
  target double precision NOT NULL CHECK (target >= 0),
  source text NOT NULL,
  UNIQUE (code, period)
);

-- Home visits, keyed by the id the recording phone made.
CREATE TABLE IF NOT EXISTS sigap_visits (
  id text PRIMARY KEY,
  pseudonym text NOT NULL,
  team text NOT NULL,
  username text NOT NULL,
  visited_on text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('visited', 'not_found')),
  given text NOT NULL DEFAULT '',
  height_cm double precision,
  weight_kg double precision,
  haz double precision,
  note text NOT NULL DEFAULT '',
  checks text NOT NULL DEFAULT '',
  confirm_reason text NOT NULL DEFAULT '',
  received_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE INDEX IF NOT EXISTS sigap_visits_child ON sigap_visits (pseudonym, visited_on);

-- Field teams' day plans, one per team and day.
CREATE TABLE IF NOT EXISTS sigap_plans (
  team text NOT NULL,
  day text NOT NULL,
  made_by text NOT NULL,
  made_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  version bigint NOT NULL DEFAULT 1,
  plan text NOT NULL,
  PRIMARY KEY (team, day)
);

-- Case-audit decisions and the rembuk stunting's decisions: histories, append-only
-- (triggers and grants below, as for sigap_audit).
CREATE TABLE IF NOT EXISTS sigap_case_audits (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pseudonym text NOT NULL,
  period text NOT NULL,
  kind text NOT NULL
    CHECK (kind IN ('implausible', 'jump', 'once', 'missed', 'newly_stunted', 'worse')),
  decision text NOT NULL CHECK (decision IN ('valid', 'remeasure', 'data_error', 'referred')),
  note text NOT NULL DEFAULT '',
  username text NOT NULL,
  at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE INDEX IF NOT EXISTS sigap_case_audits_child ON sigap_case_audits (period, pseudonym);
CREATE TABLE IF NOT EXISTS sigap_rembuk (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch bigint NOT NULL,
  village text NOT NULL,
  period text NOT NULL,
  priority boolean NOT NULL,
  action text NOT NULL DEFAULT '',
  lead text NOT NULL DEFAULT '',
  username text NOT NULL,
  at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE INDEX IF NOT EXISTS sigap_rembuk_village ON sigap_rembuk (village, period, batch);

-- Accounts, sessions and API tokens.
CREATE TABLE IF NOT EXISTS sigap_users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username text NOT NULL UNIQUE,
  role text NOT NULL,
  team text,
  villages text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  must_change boolean NOT NULL DEFAULT true,
  disabled boolean NOT NULL DEFAULT false,
  failures bigint NOT NULL DEFAULT 0,
  last_failure bigint NOT NULL DEFAULT 0,
  locked_until bigint,
  created_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE TABLE IF NOT EXISTS sigap_sessions (
  id_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES sigap_users (id),
  csrf text NOT NULL,
  created bigint NOT NULL,
  expires bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS sigap_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES sigap_users (id),
  name text NOT NULL,
  hash text NOT NULL UNIQUE,
  created_at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  last_used text,
  revoked boolean NOT NULL DEFAULT false
);

-- Login throttles that must hold across servers (a table on SQLite too):
-- kind 'addr' keyed by the client address, kind 'name' by the SHA-256 of an unknown
-- user name (never the name). Times are seconds since the epoch, as in sigap_users.
CREATE TABLE IF NOT EXISTS sigap_throttle (
  kind text NOT NULL CHECK (kind IN ('addr', 'name')),
  key text NOT NULL,
  failures bigint NOT NULL DEFAULT 0,
  last_failure bigint NOT NULL DEFAULT 0,
  locked_until bigint,
  PRIMARY KEY (kind, key)
);
-- The sweep of forgotten rows at each failure reads this index, not the table: an
-- attacker spraying from many addresses grows the table, not the cost of a login.
CREATE INDEX IF NOT EXISTS sigap_throttle_last_failure ON sigap_throttle (last_failure);

-- The credential generation: every change that can end or alter a session or a
-- token moves it, whichever server or CLI makes it, so a server's credential cache
-- sees it at its next check; `pg_notify('sigap_auth', n)` tells listeners at commit.
-- As on SQLite, logins (new sessions), new users and tokens, failure counters and a
-- token's `last_used` do not move it: they invalidate nothing a cache holds.
CREATE TABLE IF NOT EXISTS sigap_auth_generation (
  id integer PRIMARY KEY CHECK (id = 1),
  n bigint NOT NULL
);
INSERT INTO sigap_auth_generation (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION sigap_auth_bump() RETURNS void
LANGUAGE plpgsql SET search_path = sigap, pg_temp AS $$
DECLARE
  next bigint;
BEGIN
  UPDATE sigap_auth_generation SET n = n + 1 WHERE id = 1 RETURNING n INTO next;
  PERFORM pg_notify('sigap_auth', next::text);
END $$;

-- Statement triggers see the changed rows as transition tables `old_rows` and
-- `new_rows`; a statement that changed no row (a login's sweep of expired sessions
-- that found none) moves nothing, as SQLite's row triggers do not fire then.
CREATE OR REPLACE FUNCTION sigap_auth_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = sigap, pg_temp AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM sigap_auth_bump();
  ELSIF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM old_rows) THEN
      PERFORM sigap_auth_bump();
    END IF;
  ELSIF TG_TABLE_NAME = 'sigap_users' THEN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (o.username, o.role, o.team, o.villages, o.password_hash,
                      o.must_change, o.disabled)
                     IS DISTINCT FROM (n.username, n.role, n.team, n.villages,
                      n.password_hash, n.must_change, n.disabled)) THEN
      PERFORM sigap_auth_bump();
    END IF;
  ELSIF TG_TABLE_NAME = 'sigap_tokens' THEN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
               WHERE (o.user_id, o.hash, o.revoked)
                     IS DISTINCT FROM (n.user_id, n.hash, n.revoked)) THEN
      PERFORM sigap_auth_bump();
    END IF;
  ELSIF EXISTS (SELECT 1 FROM new_rows) THEN
    -- sigap_sessions: any update of a session.
    PERFORM sigap_auth_bump();
  END IF;
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sigap_users', 'sigap_sessions', 'sigap_tokens'] LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %I
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION sigap_auth_changed()', t || '_updated', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON %I
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION sigap_auth_changed()', t || '_deleted', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION sigap_auth_changed()', t || '_truncated', t);
  END LOOP;
END $$;

-- Who read or changed what. Append-only: the service role is granted SELECT and
-- INSERT only (below), and these triggers stop even the owner by mistake (as they
-- do on sigap_case_audits and sigap_rembuk).
CREATE TABLE IF NOT EXISTS sigap_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at text NOT NULL
    DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  user_id bigint,
  username text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  what text NOT NULL,
  records bigint NOT NULL DEFAULT 0,
  address text
);

CREATE OR REPLACE FUNCTION sigap_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE TRIGGER sigap_audit_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON sigap_audit
  FOR EACH STATEMENT EXECUTE FUNCTION sigap_append_only();
CREATE OR REPLACE TRIGGER sigap_case_audits_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON sigap_case_audits
  FOR EACH STATEMENT EXECUTE FUNCTION sigap_append_only();
CREATE OR REPLACE TRIGGER sigap_rembuk_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON sigap_rembuk
  FOR EACH STATEMENT EXECUTE FUNCTION sigap_append_only();

-- The service role, named by the setting sigap.app_role (set by init for this
-- transaction): what it needs and no more. No grant on the identity sequences is
-- needed for INSERT.
DO $$
DECLARE
  app text := current_setting('sigap.app_role');
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA sigap TO %I', app);
  EXECUTE format('GRANT SELECT, UPDATE ON sigap_meta, sigap_auth_generation TO %I', app);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON villages, children, households,
    facilities, sigap_identities, sigap_users, sigap_sessions, sigap_tokens, sigap_throttle,
    sigap_teams, sigap_assignments, sigap_roads, sigap_osm_extract, population_cells,
    population_villages, population_source, sigap_deliveries, sigap_measure_targets,
    sigap_visits, sigap_plans
    TO %I', app);
  EXECUTE format('GRANT SELECT, INSERT ON sigap_audit, sigap_case_audits, sigap_rembuk TO %I',
    app);
END $$;
