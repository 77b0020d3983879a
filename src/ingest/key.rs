//! The secret that turns a child's or household's source id (a NIK, a KK number)
//! into a pseudonym, so the store never holds the id itself.
//!
//! The pseudonym is a keyed hash (HMAC-SHA256), not a plain hash: a 16-digit NIK has
//! too few possible values, so anyone could hash them all and reverse an unkeyed
//! hash. The same key gives the same pseudonym on every import, which is how a
//! child measured in February is recognised in August.

use super::IngestError;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

/// Hex characters kept from the HMAC: 80 bits, no collision among millions of ids.
const PSEUDONYM_HEX_LEN: usize = 20;

/// A 32-byte secret key for pseudonyms. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct PseudonymKey([u8; 32]);

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<secret>)")
    }
}

impl PseudonymKey {
    /// A key from raw bytes (tests, or a key kept elsewhere).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Reads the key (64 hex characters) from `path`, or creates the file with 32
    /// bytes from `/dev/urandom` and mode 0600 if it does not exist.
    ///
    /// Keep this file: with another key the same child gets another pseudonym.
    pub fn load_or_create(path: &Path) -> Result<Self, IngestError> {
        load_or_create_secret(path, "pseudonym").map(Self)
    }

    /// The pseudonym of a source id: HMAC-SHA256 of the trimmed id, first 20 hex chars.
    ///
    /// # Example
    /// ```
    /// let key = sigap::ingest::PseudonymKey::from_bytes([7; 32]);
    /// assert_eq!(key.pseudonym(" 7471010101010001 "), key.pseudonym("7471010101010001"));
    /// assert_eq!(key.pseudonym("7471010101010001").len(), 20);
    /// ```
    #[must_use]
    pub fn pseudonym(&self, source_id: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(source_id.trim().as_bytes());
        let mut out = hex::encode(mac.finalize().into_bytes());
        out.truncate(PSEUDONYM_HEX_LEN);
        out
    }
}

/// Reads a 32-byte secret (64 hex characters) from `path`, or creates the file with
/// 32 bytes from `/dev/urandom` and mode 0600 if it does not exist; `what` names the
/// key in the log ("pseudonym", "identity").
pub(super) fn load_or_create_secret(path: &Path, what: &str) -> Result<[u8; 32], IngestError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text, what),
        Err(e) if e.kind() == ErrorKind::NotFound => match create(path, what) {
            Err(IngestError::Io { source, .. }) if source.kind() == ErrorKind::AlreadyExists => {
                // Another import created it between our read and our create.
                let text = std::fs::read_to_string(path).map_err(io(path))?;
                parse(path, &text, what)
            }
            other => other,
        },
        Err(e) => Err(io(path)(e)),
    }
}

fn parse(path: &Path, text: &str, what: &str) -> Result<[u8; 32], IngestError> {
    warn_if_readable_by_others(path, what);
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes).map_err(|e| IngestError::Key {
        path: path.to_path_buf(),
        reason: format!("expected 64 hex characters ({e})"),
    })?;
    Ok(bytes)
}

fn create(path: &Path, what: &str) -> Result<[u8; 32], IngestError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(io(Path::new("/dev/urandom")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io(path))?;
    writeln!(file, "{}", hex::encode(bytes))
        .and_then(|()| file.sync_all())
        .map_err(io(path))?;
    tracing::info!(path = %path.display(), "created a new {what} key; back it up");
    Ok(bytes)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "{what} key is readable by others; chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path, _what: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonym_matches_rfc4231_style_hmac() {
        // HMAC-SHA256 with key = 32 bytes of 0x0b and message "Hi There", computed
        // independently with Python: hmac.new(b"\x0b"*32, b"Hi There", "sha256").
        let key = PseudonymKey::from_bytes([0x0b; 32]);
        assert_eq!(key.pseudonym("  Hi There\n"), "198a607eb44bfbc69903");
    }

    #[test]
    fn deterministic_per_key_and_different_across_keys() {
        let a = PseudonymKey::from_bytes([1; 32]);
        let b = PseudonymKey::from_bytes([2; 32]);
        assert_eq!(
            a.pseudonym("7471010101010001"),
            a.pseudonym("7471010101010001")
        );
        assert_ne!(
            a.pseudonym("7471010101010001"),
            b.pseudonym("7471010101010001")
        );
        assert_ne!(
            a.pseudonym("7471010101010001"),
            a.pseudonym("7471010101010002")
        );
        assert_eq!(format!("{a:?}"), "PseudonymKey(<secret>)");
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let path = std::env::temp_dir().join(format!("sigap-key-{}.hex", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let created = PseudonymKey::load_or_create(&path).expect("create");
        let loaded = PseudonymKey::load_or_create(&path).expect("load");
        assert_eq!(created, loaded);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").expect("write");
        assert!(matches!(
            PseudonymKey::load_or_create(&path),
            Err(IngestError::Key { .. })
        ));
        let _ = std::fs::remove_file(&path);
    }
}
