//! Secrets sigap hands out (session ids, CSRF tokens, API tokens, one-time passwords)
//! and how they are kept: only a SHA-256 of a session id or token is stored, so a
//! copy of the store does not let anyone in.

use sha2::{Digest, Sha256};

/// Prefix of API tokens, so a leaked one is recognisable in a scanner or a log.
pub const TOKEN_PREFIX: &str = "sgp_";

/// Letters of generated passwords: no 0/O, 1/l/I, easy to read aloud and type on a phone.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Length of a generated one-time password (about 93 bits).
pub const ONE_TIME_PASSWORD_LEN: usize = 16;

/// `n` random bytes from the operating system.
///
/// # Panics
/// When the operating system has no randomness to give (nothing safe can go on).
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).expect("the operating system's random source");
    buf
}

/// A new session id or CSRF token: 32 random bytes as hex.
#[must_use]
pub fn new_secret() -> String {
    hex::encode(random_bytes::<32>())
}

/// A new API token: `sgp_` and 32 random bytes as hex.
#[must_use]
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", new_secret())
}

/// A new one-time password from `PASSWORD_ALPHABET`, without modulo bias.
#[must_use]
pub fn new_password() -> String {
    let n = PASSWORD_ALPHABET.len();
    // Largest multiple of n below 256: bytes above it are redrawn.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(ONE_TIME_PASSWORD_LEN);
    while out.len() < ONE_TIME_PASSWORD_LEN {
        for b in random_bytes::<32>() {
            if usize::from(b) < limit && out.len() < ONE_TIME_PASSWORD_LEN {
                out.push(char::from(PASSWORD_ALPHABET[usize::from(b) % n]));
            }
        }
    }
    out
}

/// What the store keeps of a session id or token: SHA-256, hex.
#[must_use]
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
#[must_use]
pub fn equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_new_each_time_and_well_formed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 4 + 64);
        let p = new_password();
        assert_eq!(p.len(), ONE_TIME_PASSWORD_LEN);
        assert!(p.bytes().all(|c| PASSWORD_ALPHABET.contains(&c)));
        assert_ne!(p, new_password());
    }

    #[test]
    fn digest_is_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(equal("abc", "abc"));
        assert!(!equal("abc", "abd"));
        assert!(!equal("abc", "abcd"));
    }
}
