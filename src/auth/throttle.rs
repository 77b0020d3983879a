//! How wrong passwords are slowed and then stopped: after `slow_after` failures in a
//! row each further attempt waits at least `base · 2^(n − slow_after)` full seconds (at most
//! `max_delay`) after the last failure; at `lock_after` failures the account is
//! locked for `lock_seconds`. The same arithmetic, without the lock, applies per
//! client address across accounts. Pure: the caller keeps the counts and the clock.

/// The thresholds, from `[auth]` in `sigap.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub slow_after: u32,
    pub lock_after: u32,
    pub base_delay_seconds: u64,
    pub max_delay_seconds: u64,
    pub lock_seconds: u64,
}

/// Whether an attempt may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Too soon after the last failure: try again in this many seconds (429).
    Wait(u64),
    /// Locked until this time, seconds since the epoch (423).
    Locked(i64),
}

impl Policy {
    /// Seconds to wait after the last of `failures` failures in a row.
    #[must_use]
    pub fn delay(&self, failures: u32) -> u64 {
        if failures < self.slow_after.max(1) {
            return 0;
        }
        let doublings = (failures - self.slow_after.max(1)).min(30);
        self.base_delay_seconds
            .saturating_mul(1 << doublings)
            .min(self.max_delay_seconds)
    }

    /// May an attempt be checked at `now`, given `failures` in a row, the last at
    /// `last_failure`, and the account's `locked_until` (all seconds since the epoch)?
    #[must_use]
    pub fn verdict(
        &self,
        failures: u32,
        last_failure: i64,
        locked_until: Option<i64>,
        now: i64,
    ) -> Verdict {
        if let Some(until) = locked_until.filter(|&u| u > now) {
            return Verdict::Locked(until);
        }
        // Times are whole seconds, so a failure at second `t` may have come at its
        // very end: the attempt is allowed from `t + delay + 1`, a wait of at least
        // `delay` full seconds (with `t + delay` a "1 s" wait could be 1 ms).
        let delay = self.delay(failures) as i64;
        let ready = last_failure.saturating_add(delay).saturating_add(1);
        if delay > 0 && ready > now {
            Verdict::Wait((ready - now) as u64)
        } else {
            Verdict::Allow
        }
    }

    /// Whether the failure that makes `failures` locks the account.
    #[must_use]
    pub fn locks(&self, failures: u32) -> bool {
        self.lock_after > 0 && failures >= self.lock_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy {
        slow_after: 3,
        lock_after: 10,
        base_delay_seconds: 1,
        max_delay_seconds: 60,
        lock_seconds: 900,
    };

    #[test]
    fn delays_double_from_the_threshold_up_to_the_cap() {
        let d: Vec<u64> = (0..12).map(|n| P.delay(n)).collect();
        assert_eq!(d, [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn verdicts() {
        assert_eq!(P.verdict(2, 100, None, 100), Verdict::Allow);
        // Four failures wait 2 s after the last: seconds 100 to 102 wait, 103 may try.
        assert_eq!(P.verdict(4, 100, None, 100), Verdict::Wait(3));
        assert_eq!(P.verdict(4, 100, None, 102), Verdict::Wait(1));
        assert_eq!(P.verdict(4, 100, None, 103), Verdict::Allow);
        assert_eq!(P.verdict(4, 100, Some(200), 150), Verdict::Locked(200));
        assert_eq!(P.verdict(0, 0, Some(200), 200), Verdict::Allow);
        assert!(P.locks(10) && !P.locks(9));
    }
}
