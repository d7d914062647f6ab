//! A token bucket per client address, in memory (each instance limits on its own).
//!
//! An IPv6 client is limited per /64: one subscriber is routinely given a whole /64 and can
//! pick a fresh address from it for every request, so a bucket per /128 limits nothing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Buckets kept before full ones are dropped.
const MAX_CLIENTS: usize = 50_000;

/// Per-client token buckets.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second == 0` allows everything.
    pub fn new(per_second: f64, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client` at `now`; `Err(seconds)` says when the next one is due.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let client = bucket_key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        let refill = now.saturating_duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The bucket an address counts against: an IPv4 address itself (also when written as
/// IPv4-mapped IPv6), an IPv6 address's /64 network.
pub fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_sustained_rate_per_client() {
        let limiter = RateLimiter::new(2.0, 3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(a, t0).is_ok());
        }
        assert_eq!(limiter.check(a, t0), Err(1));
        assert!(
            limiter.check(b, t0).is_ok(),
            "clients have separate buckets"
        );
        // Half a second at 2/s refills one token.
        assert!(limiter.check(a, t0 + Duration::from_millis(500)).is_ok());
        assert!(limiter.check(a, t0 + Duration::from_millis(500)).is_err());
        assert!(RateLimiter::new(0.0, 1).check(a, t0).is_ok());
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let limiter = RateLimiter::new(1.0, 2);
        let t0 = Instant::now();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(limiter.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(limiter.check(ip("2001:db8:1:2:ffff:1:2:3"), t0).is_ok());
        assert!(
            limiter.check(ip("2001:db8:1:2::abcd"), t0).is_err(),
            "a fresh address in the same /64 finds the bucket empty"
        );
        assert!(
            limiter.check(ip("2001:db8:1:3::1"), t0).is_ok(),
            "another /64"
        );
        assert_eq!(bucket_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(bucket_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
