//! A token bucket for the endpoints that mint tokens and change the policy.

use std::sync::Mutex;
use std::time::Instant;

/// Allows `per_second` requests a second on average, in bursts of up to `per_second`.
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    bucket: Mutex<(f64, Instant)>,
}

impl RateLimit {
    /// A full bucket.
    pub fn new(per_second: u64) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let per_second = per_second.max(1) as f64;
        Self {
            per_second,
            bucket: Mutex::new((per_second, Instant::now())),
        }
    }

    /// Takes one request from the bucket; `false` when it is empty.
    pub fn allow(&self) -> bool {
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let (tokens, last) = *bucket;
        let refilled = (tokens + now.duration_since(last).as_secs_f64() * self.per_second)
            .min(self.per_second);
        if refilled >= 1.0 {
            *bucket = (refilled - 1.0, now);
            true
        } else {
            *bucket = (refilled, now);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn bursts_up_to_the_rate_then_refuses() {
        let limit = RateLimit::new(5);
        let allowed = (0..20).filter(|_| limit.allow()).count();
        assert_eq!(allowed, 5);
    }
}
