//! Settings of who may see what: logins and sessions (`[auth]`) and the public map
//! (`[public]`); the body limits are in `[server]` (`config.rs`).

use crate::auth::Policy;
use serde::{Deserialize, Serialize};

/// Hours a login session lasts.
pub const DEFAULT_SESSION_HOURS: u32 = 12;
/// Wrong passwords in a row before each further attempt must wait.
pub const DEFAULT_SLOW_AFTER: u32 = 3;
/// Wrong passwords in a row that lock an account.
pub const DEFAULT_LOCK_AFTER: u32 = 10;
/// Minutes an account stays locked (an admin's `passwd` unlocks it sooner).
pub const DEFAULT_LOCK_MINUTES: u32 = 15;
/// First wait after `slow_after` failures; it doubles with each further failure.
pub const DEFAULT_BASE_DELAY_SECONDS: u64 = 1;
/// Longest wait between attempts.
pub const DEFAULT_MAX_DELAY_SECONDS: u64 = 60;
/// Wrong passwords in a row from one address (any accounts) before it must wait.
pub const DEFAULT_ADDRESS_SLOW_AFTER: u32 = 20;
/// Smallest count published as a number on the public map; 1..k-1 show as "<k".
pub const DEFAULT_PUBLIC_K: u32 = 10;
/// Fewest children (or households) for a public rate to be shown.
pub const DEFAULT_MIN_DENOMINATOR: u32 = 30;
/// Public requests per minute per client address (tiles and API together).
pub const DEFAULT_PUBLIC_RATE_PER_MINUTE: u32 = 600;

/// `[auth]`: sessions and the brute-force policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    pub session_hours: u32,
    /// Mark the session cookie `Secure` (set it when sigap is served behind TLS).
    pub secure_cookies: bool,
    pub slow_after: u32,
    pub lock_after: u32,
    pub lock_minutes: u32,
    pub base_delay_seconds: u64,
    pub max_delay_seconds: u64,
    pub address_slow_after: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_hours: DEFAULT_SESSION_HOURS,
            secure_cookies: false,
            slow_after: DEFAULT_SLOW_AFTER,
            lock_after: DEFAULT_LOCK_AFTER,
            lock_minutes: DEFAULT_LOCK_MINUTES,
            base_delay_seconds: DEFAULT_BASE_DELAY_SECONDS,
            max_delay_seconds: DEFAULT_MAX_DELAY_SECONDS,
            address_slow_after: DEFAULT_ADDRESS_SLOW_AFTER,
        }
    }
}

impl AuthSettings {
    /// The per-account policy.
    #[must_use]
    pub fn account_policy(&self) -> Policy {
        Policy {
            slow_after: self.slow_after,
            lock_after: self.lock_after,
            base_delay_seconds: self.base_delay_seconds,
            max_delay_seconds: self.max_delay_seconds,
            lock_seconds: u64::from(self.lock_minutes) * 60,
        }
    }

    /// The per-address policy: the same waits, no lock.
    #[must_use]
    pub fn address_policy(&self) -> Policy {
        Policy {
            slow_after: self.address_slow_after,
            lock_after: 0,
            ..self.account_policy()
        }
    }
}

/// `[public]`: what the public map and embed may show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicSettings {
    /// Counts 1..k-1 are published as "<k".
    pub k: u32,
    /// Rates only where the denominator is at least this (and both counts are published).
    pub min_denominator: u32,
    /// Sites allowed to frame /embed (CSP frame-ancestors), e.g. `https://kendarikota.go.id`.
    /// Empty: any site may embed the public map.
    pub frame_ancestors: Vec<String>,
    /// Requests per minute per address to /public/*; 0 turns the limit off.
    pub rate_per_minute: u32,
}

impl Default for PublicSettings {
    fn default() -> Self {
        Self {
            k: DEFAULT_PUBLIC_K,
            min_denominator: DEFAULT_MIN_DENOMINATOR,
            frame_ancestors: Vec::new(),
            rate_per_minute: DEFAULT_PUBLIC_RATE_PER_MINUTE,
        }
    }
}
