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
CREATE TRIGGER IF NOT EXISTS sigap_audit_no_update BEFORE UPDATE ON sigap_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS sigap_audit_no_delete BEFORE DELETE ON sigap_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";
