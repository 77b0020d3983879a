//! Which store a command works on: `--db city.gpkg` (a GeoPackage file, the
//! embedded default) or `--db postgres://...` (a shared PostgreSQL database).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where a store lives, as given to `--db`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Db {
    /// A GeoPackage file, created on first import.
    File(PathBuf),
    /// A PostgreSQL database with PostGIS, given as a `postgres://` or
    /// `postgresql://` URL. Shown everywhere without its password.
    Postgres(String),
}

impl FromStr for Db {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("give a store file (city.gpkg) or a postgres:// URL".into());
        }
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Ok(Db::Postgres(s.to_owned()))
        } else {
            Ok(Db::File(PathBuf::from(s)))
        }
    }
}

impl fmt::Display for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Db::File(path) => write!(f, "{}", path.display()),
            Db::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `url` with the password of its user info replaced by `***`, so that errors and
/// logs can name the database.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The user info ends at the last '@' before the path: a password may hold '@'
    // only percent-encoded, but be safe with a raw one too.
    let host_start = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..host_start].rfind('@') else {
        return url.to_owned();
    };
    let (info, host) = (&rest[..at], &rest[at..]);
    match info.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_urls_are_told_apart() {
        assert_eq!(
            "city.gpkg".parse::<Db>(),
            Ok(Db::File(PathBuf::from("city.gpkg")))
        );
        assert_eq!(
            "data/postgres.gpkg".parse::<Db>(),
            Ok(Db::File(PathBuf::from("data/postgres.gpkg")))
        );
        for url in ["postgres://app@db/sigap", "PostgreSQL://app@db:5433/sigap"] {
            assert_eq!(url.parse::<Db>(), Ok(Db::Postgres(url.into())));
        }
        assert!("".parse::<Db>().is_err());
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        let db: Db = "postgres://sigap_app:s3cr%40t@10.0.0.5:5432/kota?sslmode=disable"
            .parse()
            .expect("url");
        let shown = db.to_string();
        assert_eq!(
            shown,
            "postgres://sigap_app:***@10.0.0.5:5432/kota?sslmode=disable"
        );
        let raw: Db = "postgres://u:p@ss@h/d".parse().expect("url");
        assert_eq!(raw.to_string(), "postgres://u:***@h/d");
        let none: Db = "postgres://u@h/d".parse().expect("url");
        assert_eq!(none.to_string(), "postgres://u@h/d");
    }
}
