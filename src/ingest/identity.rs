//! Who a child or household is, sealed so that only the teams who visit them can read it.
//!
//! A route of pseudonyms is useless in the field: a midwife needs the child's name,
//! the mother's name and the house (dusun, RT/RW, street). Registers carry those
//! (e-PPGBM: Nama Anak, Nama Ortu, Alamat, RT, RW, Posyandu, No HP), and a store
//! copied to a laptop or a backup must not give them away. So the identifying fields
//! of a record are sealed on import with XChaCha20-Poly1305 (an authenticated
//! cipher: a changed byte fails to open, it never decrypts to something else) under
//! the identity key, a 32-byte secret in a file beside the pseudonym key and never in
//! the store. Each record gets a fresh random 24-byte nonce, and its layer and
//! pseudonym are bound in as associated data, so a sealed record copied onto
//! another child does not open.
//!
//! Opening happens only in the server, for callers whose scope covers the child, and
//! every opening is audited with its count (see `http::routes::field`).

use super::IngestError;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The first byte of every sealed record: the format (cipher, nonce size, JSON body).
const FORMAT_V1: u8 = 1;
/// `XChaCha20` nonce length.
const NONCE_LEN: usize = 24;
/// Longest name, address or posyandu sigap keeps, in characters.
pub const MAX_TEXT_CHARS: usize = 120;

/// The identifying fields of one child (or one household: `name` is then the head of
/// the family and `parent` is empty). Empty text means the file did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The parent the register names (e-PPGBM: the mother).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parent: String,
    /// Street and house number.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Dusun (village) or lingkungan (kelurahan).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dusun: String,
    /// Rukun tetangga, three digits (`003`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rt: String,
    /// Rukun warga, three digits (`002`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rw: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub posyandu: String,
    /// Digits, with a leading `+` when the file had one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
}

impl Identity {
    /// Whether the file said nothing about who this is.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The address as an officer reads it: `Jl. Mawar No. 12, RT 003/RW 002,
    /// Lingkungan II` (parts the file did not give are left out).
    #[must_use]
    pub fn address_line(&self) -> String {
        let rt_rw = match (self.rt.as_str(), self.rw.as_str()) {
            ("", "") => String::new(),
            (rt, "") => format!("RT {rt}"),
            ("", rw) => format!("RW {rw}"),
            (rt, rw) => format!("RT {rt}/RW {rw}"),
        };
        [self.address.as_str(), rt_rw.as_str(), self.dusun.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a sealed record did not open: the wrong identity key, or a changed record.
/// Carries nothing of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a sealed identity did not open: the identity key is not the one it was sealed with, \
     or the store was changed"
)]
pub struct Unsealable;

/// The 32-byte secret identities are sealed with. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityKey([u8; 32]);

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityKey(<secret>)")
    }
}

impl IdentityKey {
    /// A key from raw bytes (tests, the demo city's throwaway key).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A new random key that is never written anywhere (the in-memory demo city).
    pub fn random() -> Result<Self, IngestError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| IngestError::Io {
            path: PathBuf::from("/dev/urandom"),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(Self(bytes))
    }

    /// Reads the key (64 hex characters) from `path`, or creates the file with 32
    /// random bytes and mode 0600, as [`super::PseudonymKey::load_or_create`] does.
    ///
    /// Keep this file with the pseudonym key and back both up, apart from the store:
    /// without it no name in the store can be read again.
    pub fn load_or_create(path: &Path) -> Result<Self, IngestError> {
        super::key::load_or_create_secret(path, "identity").map(Self)
    }

    /// Where the identity key lives beside the pseudonym key `pseudonym_key`:
    /// `city.gpkg.key` → `city.gpkg.identity.key`, `/secure/kendari.key` →
    /// `/secure/kendari.identity.key`.
    ///
    /// # Example
    /// ```
    /// use sigap::ingest::IdentityKey;
    /// use std::path::Path;
    /// assert_eq!(
    ///     IdentityKey::path_beside(Path::new("/data/city.gpkg.key")),
    ///     Path::new("/data/city.gpkg.identity.key")
    /// );
    /// ```
    #[must_use]
    pub fn path_beside(pseudonym_key: &Path) -> PathBuf {
        let name = pseudonym_key
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.strip_suffix(".key").unwrap_or(&name);
        pseudonym_key.with_file_name(format!("{stem}.identity.key"))
    }

    /// Seals `who` for the record `pseudonym` of `layer` (`children`, `households`):
    /// format byte, random nonce, ciphertext with its tag.
    #[must_use]
    pub fn seal(&self, layer: &str, pseudonym: &str, who: &Identity) -> Vec<u8> {
        let nonce = XNonce::generate();
        let body = serde_json::to_vec(who).expect("an identity is plain text fields");
        let aad = associated(layer, pseudonym);
        let sealed = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: &body,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any message under 256 GiB");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`IdentityKey::seal`] sealed for the same layer and pseudonym.
    pub fn open(
        &self,
        layer: &str,
        pseudonym: &str,
        sealed: &[u8],
    ) -> Result<Identity, Unsealable> {
        let (&format, rest) = sealed.split_first().ok_or(Unsealable)?;
        if format != FORMAT_V1 || rest.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| Unsealable)?;
        let aad = associated(layer, pseudonym);
        let plain = self
            .cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| Unsealable)?;
        serde_json::from_slice(&plain).map_err(|_| Unsealable)
    }

    /// The key as its file holds it (64 hex characters), for writing a new key file.
    pub(super) fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

/// The associated data of a sealed record: it opens only as the record it was made for.
fn associated(layer: &str, pseudonym: &str) -> Vec<u8> {
    format!("sigap identity v1\0{layer}\0{pseudonym}").into_bytes()
}

/// A name, address, dusun or posyandu as stored: spaces squeezed, at most
/// [`MAX_TEXT_CHARS`] characters, no control characters. The reason never quotes
/// the text (it is identifying, and reasons are printed and logged).
pub fn text(raw: &str) -> Result<String, String> {
    if raw.chars().any(char::is_control) {
        return Err("contains a control character (a line break or tab inside the cell)".into());
    }
    let squeezed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = squeezed.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(format!(
            "is {n} characters long; at most {MAX_TEXT_CHARS} are kept (is this the right column?)"
        ));
    }
    Ok(squeezed)
}

/// An RT or RW number: 1 to 3 digits, optionally after `RT`/`RW` (`3`, `03`, `RT 003`),
/// stored as three digits (`003`).
pub fn neighbourhood(raw: &str, what: &str) -> Result<String, String> {
    let t = raw.trim();
    let t = t
        .strip_prefix(what)
        .or_else(|| t.strip_prefix(&what.to_lowercase()))
        .unwrap_or(t)
        .trim_start_matches([' ', '.', ':']);
    match t.parse::<u16>() {
        Ok(n)
            if (1..=999).contains(&n) && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(format!("{n:03}"))
        }
        _ => Err(format!(
            "`{raw}` is not an {what} number (1 to 3 digits, like 3, 03 or 003)"
        )),
    }
}

/// An RT number ([`neighbourhood`]).
pub fn rt(raw: &str) -> Result<String, String> {
    neighbourhood(raw, "RT")
}

/// An RW number ([`neighbourhood`]).
pub fn rw(raw: &str) -> Result<String, String> {
    neighbourhood(raw, "RW")
}

/// A phone number: digits with spaces, dots, dashes or brackets between them and an
/// optional leading `+`; 8 to 15 digits. Stored as the digits (and the `+`). The
/// reason never quotes the number.
pub fn phone(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    let (plus, rest) = t.strip_prefix('+').map_or(("", t), |r| ("+", r));
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
    {
        return Err("is not a phone number (digits, with spaces or dashes between them)".into());
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !(8..=15).contains(&digits.len()) {
        return Err(format!(
            "has {} digits; a phone number has 8 to 15 (like 0812 3456 7890)",
            digits.len()
        ));
    }
    Ok(format!("{plus}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Identity {
        Identity {
            name: "Siti Aisyah".into(),
            parent: "Wa Ode Nurhayati".into(),
            address: "Jl. Mawar No. 12".into(),
            dusun: "Lingkungan II".into(),
            rt: "003".into(),
            rw: "002".into(),
            posyandu: "Posyandu Melati".into(),
            phone: "081234567890".into(),
        }
    }

    #[test]
    fn sealed_records_open_only_with_their_key_layer_and_pseudonym() {
        let key = IdentityKey::from_bytes([7; 32]);
        let sealed = key.seal("children", "abc", &who());
        assert_eq!(key.open("children", "abc", &sealed), Ok(who()));
        // No field in clear in the sealed bytes.
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("Siti") && !text.contains("Mawar") && !text.contains("0812"));
        // A fresh nonce each time: the same record seals differently.
        assert_ne!(sealed, key.seal("children", "abc", &who()));
        assert_eq!(key.open("children", "abd", &sealed), Err(Unsealable));
        assert_eq!(key.open("households", "abc", &sealed), Err(Unsealable));
        let other = IdentityKey::from_bytes([8; 32]);
        assert_eq!(other.open("children", "abc", &sealed), Err(Unsealable));
        let mut changed = sealed.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert_eq!(key.open("children", "abc", &changed), Err(Unsealable));
        assert_eq!(key.open("children", "abc", &sealed[..10]), Err(Unsealable));
        assert_eq!(format!("{key:?}"), "IdentityKey(<secret>)");
    }

    #[test]
    fn a_sealed_record_is_xchacha20_poly1305_as_libsodium_computes_it() {
        // IETF draft-irtf-cfrg-xchacha, appendix A.3.1 (the AEAD test vector, also
        // libsodium's crypto_aead_xchacha20poly1305_ietf): key 80..9f, nonce 40..57,
        // AAD 50515253c0c1c2c3c4c5c6c7; the tag of the sealed message.
        let key: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let nonce: [u8; 24] = std::array::from_fn(|i| 0x40 + i as u8);
        let msg = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let aad = hex::decode("50515253c0c1c2c3c4c5c6c7").expect("hex");
        let out = XChaCha20Poly1305::new(&key.into())
            .encrypt(&XNonce::from(nonce), Payload { msg, aad: &aad })
            .expect("seal");
        assert_eq!(
            hex::encode(&out[out.len() - 16..]),
            "c0875924c1c7987947deafd8780acf49"
        );
        assert_eq!(hex::encode(&out[..8]), "bd6d179d3e83d43b");
    }

    #[test]
    fn the_key_file_is_private_and_lives_beside_the_pseudonym_key() {
        let dir = std::env::temp_dir().join(format!("sigap-idkey-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = IdentityKey::path_beside(&dir.join("city.gpkg.key"));
        assert_eq!(path, dir.join("city.gpkg.identity.key"));
        assert_eq!(
            IdentityKey::path_beside(Path::new("k")),
            Path::new("k.identity.key")
        );
        let _ = std::fs::remove_file(&path);
        let a = IdentityKey::load_or_create(&path).expect("create");
        assert_eq!(a, IdentityKey::load_or_create(&path).expect("load"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fields_are_checked_without_quoting_names() {
        assert_eq!(text("  Siti   Aisyah "), Ok("Siti Aisyah".into()));
        let long = "a".repeat(121);
        assert!(!text(&long).expect_err("long").contains("aaa"));
        assert!(text("Siti\nAisyah").is_err());
        assert_eq!(neighbourhood("3", "RT"), Ok("003".into()));
        assert_eq!(neighbourhood("RT 03", "RT"), Ok("003".into()));
        assert_eq!(neighbourhood("rw.12", "RW"), Ok("012".into()));
        for bad in ["0", "1000", "3a", "-3", ""] {
            assert!(neighbourhood(bad, "RT").is_err(), "{bad}");
        }
        assert_eq!(phone("0812-3456-7890"), Ok("081234567890".into()));
        assert_eq!(phone("+62 812 3456 7890"), Ok("+6281234567890".into()));
        let short = phone("12345").expect_err("short");
        assert!(short.contains("5 digits") && !short.contains("12345"));
        assert!(!phone("0812abc99").expect_err("letters").contains("0812"));
        assert_eq!(
            who().address_line(),
            "Jl. Mawar No. 12, RT 003/RW 002, Lingkungan II"
        );
        assert!(Identity::default().is_empty());
    }
}
