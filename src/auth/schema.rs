//! The account tables, kept in the store's SQLite file beside the layers (not
//! registered in `gpkg_contents`, so GIS tools do not list them) or in memory for
//! the demo city. Created if missing each time accounts are opened.
//!
//! The audit log is append-only: triggers refuse every UPDATE and DELETE, so even a
//! bug in sigap cannot rewrite who read what.

pub const CREATE: &str = r"
CREATE TABLE IF NOT EXISTS sigap_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  team TEXT,
  villages TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  must_change INTEGER NOT NULL DEFAULT 1,
  disabled INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_failure INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE IF NOT EXISTS sigap_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES sigap_users(id),
  csrf TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sigap_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES sigap_users(id),
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  last_used TEXT,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sigap_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  user_id INTEGER,
  username TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  what TEXT NOT NULL,
  records INTEGER NOT NULL DEFAULT 0,
  address TEXT
);
-- Failures in a row per client address (kind 'addr') and per user name that has no
-- account (kind 'name', keyed by the name's SHA-256, never the name), shared by every
-- process on the store like the accounts' own counters. Times are seconds since the
-- epoch; rows untouched for a day and not locked are forgotten.
CREATE TABLE IF NOT EXISTS sigap_throttle (
  kind TEXT NOT NULL CHECK (kind IN ('addr', 'name')),
  key TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  last_failure INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  PRIMARY KEY (kind, key)
);
-- The sweep of forgotten rows at each failure reads this index, not the table: an
-- attacker spraying from many addresses grows the table, not the cost of a login.
CREATE INDEX IF NOT EXISTS sigap_throttle_last_failure ON sigap_throttle (last_failure);
-- The credential generation: every change that can end or alter a session or a
-- token moves it, whichever process (the server, `sigap user`, `sigap token`) or
-- tool makes it, so a server's in-memory credential cache sees it at its next check.
-- Logins and `last_used` do not move it.
CREATE TABLE IF NOT EXISTS sigap_auth_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS sigap_users_changed
AFTER UPDATE OF username, role, team, villages, password_hash, must_change, disabled ON sigap_users
BEGIN INSERT OR REPLACE INTO sigap_auth_generation VALUES
  (1, coalesce((SELECT n FROM sigap_auth_generation WHERE id = 1), 0) + 1); END;
CREATE TRIGGER IF NOT EXISTS sigap_users_deleted AFTER DELETE ON sigap_users
BEGIN INSERT OR REPLACE INTO sigap_auth_generation VALUES
  (1, coalesce((SELECT n FROM sigap_auth_generation WHERE id = 1), 0) + 1); END;
CREATE TRIGGER IF NOT EXISTS sigap_sessions_changed AFTER UPDATE ON sigap_sessions
BEGIN INSERT OR REPLACE INTO sigap_auth_generation VALUES
  (1, coalesce((SELECT n FROM sigap_auth_generation WHERE id = 1), 0) + 1); END;
CREATE TRIGGER IF NOT EXISTS sigap_sessions_deleted AFTER DELETE ON sigap_sessions
BEGIN INSERT OR REPLACE INTO sigap_auth_generation VALUES
  (1, coalesce((SELECT n FROM sigap_auth_generation WHERE id = 1), 0) + 1); END;
CREATE TRIGGER IF NOT EXISTS sigap_tokens_changed
AFTER UPDATE OF user_id, hash, revoked ON sigap_tokens
BEGIN INSERT OR REPLACE INTO sigap_auth_generation VALUES
  (1, coalesce((SELECT n FROM sigap_auth_generation WHERE id = 1), 0) + 1); END;
CREATE TRIGGER IF NOT EXISTS sigap_tokens_deleted AFTER DELETE ON sigap_tokens
BEGIN INSERT OR REPLACE INTO sigap_auth_generation VALUES
  (1, coalesce((SELECT n FROM sigap_auth_generation WHERE id = 1), 0) + 1); END;
CREATE TRIGGER IF NOT EXISTS sigap_audit_no_update BEFORE UPDATE ON sigap_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS sigap_audit_no_delete BEFORE DELETE ON sigap_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";
