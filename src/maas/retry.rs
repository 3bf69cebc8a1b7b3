//! The one retry policy for MAAS calls: 503 waits as long as Retry-After says; connection
//! failures, 502 and 504 back off exponentially with jitter; nothing is retried past the
//! deadline; other 4xx (except a 409 from a busy database) and 500 are final.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Give up once the next wait would end after this much time since the first attempt.
    pub deadline: Duration,
    /// First backoff; doubles per attempt.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            deadline: Duration::from_secs(120),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(15),
        }
    }
}

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Status {
        status: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    /// No response at all (refused, reset, dropped, timed out).
    NoResponse,
}

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1`, or `None` to give up.
    /// `elapsed` is the time since the first attempt; `jitter` in [0, 1) spreads retries.
    pub fn next_delay(
        &self,
        outcome: &Outcome,
        attempt: u32,
        elapsed: Duration,
        jitter: f64,
    ) -> Option<Duration> {
        let backoff = || {
            let exp = self
                .base_delay
                .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
            let capped = exp.min(self.max_delay);
            // Full jitter around the exponential step: between half and the whole of it.
            capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
        };
        let delay = match outcome {
            Outcome::Status {
                status: 503,
                retry_after: Some(after),
                ..
            } => *after,
            Outcome::Status {
                status: 502..=504, ..
            }
            | Outcome::NoResponse => backoff(),
            Outcome::Status {
                status: 409, body, ..
            } if busy(body) => backoff(),
            Outcome::Status { .. } => return None,
        };
        (elapsed + delay <= self.deadline).then_some(delay)
    }
}

/// A 409 that means "try again" (a database serialization conflict), not a state violation.
fn busy(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    b.trim().is_empty() || b.contains("serializ") || b.contains("busy") || b.contains("try again")
}

/// `Retry-After` in seconds (MAAS sends seconds; an HTTP date is treated as absent).
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> Outcome {
        Outcome::Status {
            status: s,
            retry_after: None,
            body: String::new(),
        }
    }

    #[test]
    fn what_is_retried() {
        let p = RetryPolicy::default();
        let t0 = Duration::ZERO;
        let after = Outcome::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(10)),
            body: "busy".into(),
        };
        assert_eq!(
            p.next_delay(&after, 1, t0, 0.3),
            Some(Duration::from_secs(10)),
            "503 honours Retry-After"
        );
        for s in [502, 503, 504] {
            assert!(p.next_delay(&status(s), 1, t0, 0.0).is_some(), "{s} is retried");
        }
        assert!(p.next_delay(&Outcome::NoResponse, 1, t0, 0.0).is_some());
        for s in [400, 401, 403, 404, 405, 500] {
            assert_eq!(p.next_delay(&status(s), 1, t0, 0.0), None, "{s} is final");
        }
        let state = Outcome::Status {
            status: 409,
            retry_after: None,
            body: "Machine cannot be released in its current state ('New').".into(),
        };
        assert_eq!(
            p.next_delay(&state, 1, t0, 0.0),
            None,
            "a state violation is final"
        );
        let conflict = Outcome::Status {
            status: 409,
            retry_after: None,
            body: "could not serialize access".into(),
        };
        assert!(
            p.next_delay(&conflict, 1, t0, 0.0).is_some(),
            "a busy database is retried"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_stops_at_the_deadline() {
        let p = RetryPolicy {
            deadline: Duration::from_secs(10),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
        };
        let d = |attempt, jitter| {
            p.next_delay(&status(502), attempt, Duration::ZERO, jitter)
                .unwrap()
        };
        assert_eq!(d(1, 1.0), Duration::from_secs(1));
        assert_eq!(d(2, 1.0), Duration::from_secs(2));
        assert_eq!(d(3, 0.0), Duration::from_secs(2), "jitter takes up to half off");
        assert_eq!(d(9, 1.0), Duration::from_secs(4), "capped");
        assert_eq!(
            p.next_delay(&status(502), 2, Duration::from_secs(9), 1.0),
            None,
            "past the deadline"
        );
        let long = Outcome::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(30)),
            body: String::new(),
        };
        assert_eq!(
            p.next_delay(&long, 1, Duration::ZERO, 0.0),
            None,
            "a wait beyond the deadline gives up"
        );
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after(Some("10")), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(parse_retry_after(None), None);
    }
}
