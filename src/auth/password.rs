//! Passwords: hashed with Argon2id (RFC 9106) in the PHC string format, checked
//! against a minimum length when a person chooses one.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Fewest characters of a password a person chooses.
pub const MIN_PASSWORD_LEN: usize = 10;

/// The hasher: Argon2id, version 0x13, the crate's default cost (19 MiB, 2 passes,
/// 1 lane; OWASP's minimum recommendation for Argon2id).
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The PHC string (`$argon2id$v=19$m=...`) of `password` with a fresh random salt.
///
/// # Panics
/// Only if the operating system has no randomness.
#[must_use]
pub fn hash(password: &str) -> String {
    let salt_bytes = super::secret::random_bytes::<16>();
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2id with default parameters")
        .to_string()
}

/// Whether `password` matches the PHC string `stored` (false for a malformed one).
#[must_use]
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A PHC string no password matches, verified against for unknown usernames so an
/// answer takes as long whether the account exists or not.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&super::secret::new_secret()))
}

/// Why a chosen password is refused, or `None`.
#[must_use]
pub fn weakness(password: &str, username: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Some(format!(
            "a password needs at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Some("the password may not be the user name".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery");
        let b = hash("correct horse battery");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "two hashes of one password differ by salt");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("x", "not a phc string"));
        assert!(!verify("", dummy_hash()));
    }

    #[test]
    fn verifies_a_reference_hash() {
        // Made by the reference argon2 CLI (P-H-C/phc-winner-argon2):
        // echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -e
        let reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assert!(verify("password", reference));
        assert!(!verify("Password", reference));
    }

    #[test]
    fn weak_passwords_are_named() {
        assert!(weakness("short", "ani").is_some());
        assert!(weakness("bidan.kendari", "BIDAN.KENDARI").is_some());
        assert!(weakness("sepuluh huruf", "ani").is_none());
    }
}
