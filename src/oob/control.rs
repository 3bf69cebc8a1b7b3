//! [`Oob`]: one node's BMC as actions use it. The driver does single exchanges; this layer
//! makes them into operations with Drydock's semantics — a power change is skipped when the
//! machine is already there, waited for until the BMC reports it (or the timeout), a power
//! cycle is off-wait-on-wait — and wraps every exchange in the run's retry policy and
//! concurrency limits. A failing BMC fails its node only: nothing here is shared but the
//! limits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{
    Bmc, Inventory, NextBoot, OobDriver, OobError, OobErrorKind, OobSettings, PowerRequest, PowerState,
};

/// What a power operation did: where the machine was, where it is, and how long that took.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Transition {
    pub from: PowerState,
    pub to: PowerState,
    /// False when the machine already was where it was asked to be.
    pub changed: bool,
    #[serde(serialize_with = "seconds")]
    pub waited: Duration,
    /// Drydock's words for the outcome ("Node reports power on.").
    pub message: String,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

pub struct Oob {
    bmc: Bmc,
    driver: Box<dyn OobDriver>,
    settings: Arc<OobSettings>,
    /// Whether the driver can read the power state; a manual node's cannot, so its power
    /// operations are one confirmed request each and nothing is polled.
    reports_power: bool,
}

impl Oob {
    pub fn new(bmc: Bmc, driver: Box<dyn OobDriver>, settings: Arc<OobSettings>, reports_power: bool) -> Oob {
        Oob {
            bmc,
            driver,
            settings,
            reports_power,
        }
    }

    pub fn bmc(&self) -> &Bmc {
        &self.bmc
    }

    /// One exchange, inside the limits, tried again while it fails in a way that may pass.
    async fn exchange<T, F, Fut>(&self, what: F) -> Result<T, OobError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, OobError>>,
    {
        let retry = self.settings.retry;
        let mut attempt = 1;
        loop {
            let result = {
                let _permits = self.settings.limits.acquire(self.bmc.host_key()).await;
                what().await
            };
            match result {
                Err(e) if e.retryable() && attempt < retry.attempts => {
                    attempt += 1;
                    tracing::debug!(node = %self.bmc.node, attempt, "{e}; trying again");
                    tokio::time::sleep(retry.delay(attempt)).await;
                }
                Err(mut e) if attempt > 1 => {
                    e.message = format!("{} (after {attempt} attempts)", e.message);
                    return Err(e);
                }
                other => return other,
            }
        }
    }

    pub async fn power_state(&self) -> Result<PowerState, OobError> {
        self.exchange(|| self.driver.power_state()).await
    }

    /// Polls until the BMC reports `target`, or fails with a timeout naming the last state
    /// seen.
    async fn wait_for(&self, target: PowerState, started: Instant) -> Result<PowerState, OobError> {
        let wait = self.settings.wait;
        loop {
            let now = self.power_state().await?;
            if now == target {
                return Ok(now);
            }
            if started.elapsed() >= wait.timeout {
                return Err(OobError::new(
                    OobErrorKind::Timeout,
                    &self.bmc,
                    format!(
                        "the machine did not reach power {target} within {} s; the BMC still reports {now}",
                        wait.timeout.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(wait.interval.min(wait.timeout.saturating_sub(started.elapsed()))).await;
        }
    }

    /// Refuses a change in a run that may only look (`drydock plan`).
    fn may_change(&self, what: &str) -> Result<(), OobError> {
        if self.settings.read_only {
            return Err(OobError::new(
                OobErrorKind::Refused,
                &self.bmc,
                format!("not done: this run only plans, and would {what}"),
            ));
        }
        Ok(())
    }

    /// Asks for `request` unless the machine is already there, then waits for it.
    async fn power(&self, request: PowerRequest) -> Result<Transition, OobError> {
        self.power_from(request, None).await
    }

    /// [`Oob::power`] for a machine whose power state was `seen` just now (read first when
    /// `None`), so it is not read twice in a row.
    async fn power_from(
        &self,
        request: PowerRequest,
        seen: Option<PowerState>,
    ) -> Result<Transition, OobError> {
        self.may_change(&request.to_string())?;
        let started = Instant::now();
        let target = request.target();
        let done = |from, changed| {
            let message = match target {
                PowerState::On => "Node reports power on.",
                _ => "Node reports power off.",
            };
            Transition {
                from,
                to: target,
                changed,
                waited: started.elapsed(),
                message: message.into(),
            }
        };
        if !self.reports_power {
            self.exchange(|| self.driver.request_power(request)).await?;
            return Ok(done(PowerState::Unknown, true));
        }
        let from = match seen {
            Some(state) => state,
            None => self.power_state().await?,
        };
        if from == target {
            return Ok(done(from, false));
        }
        self.exchange(|| self.driver.request_power(request)).await?;
        self.wait_for(target, started).await?;
        Ok(done(from, true))
    }

    pub async fn power_on(&self) -> Result<Transition, OobError> {
        self.power(PowerRequest::On).await
    }

    /// Cuts the power, or with `graceful` asks the OS to shut down.
    pub async fn power_off(&self, graceful: bool) -> Result<Transition, OobError> {
        self.power(if graceful {
            PowerRequest::GracefulOff
        } else {
            PowerRequest::ForceOff
        })
        .await
    }

    /// Off (skipped when already off), wait, on, wait: the sequence every BMC supports,
    /// as Drydock does it. A manual node gets one request for the whole cycle.
    pub async fn power_cycle(&self) -> Result<Transition, OobError> {
        self.may_change("power-cycle")?;
        let started = Instant::now();
        if !self.reports_power {
            self.exchange(|| self.driver.request_power(PowerRequest::Cycle))
                .await?;
            return Ok(Transition {
                from: PowerState::Unknown,
                to: PowerState::Unknown,
                changed: true,
                waited: started.elapsed(),
                message: "Node power cycle complete.".into(),
            });
        }
        let off = self.power(PowerRequest::ForceOff).await.map_err(|e| OobError {
            message: format!("Failed to power down during power cycle: {}", e.message),
            ..e
        })?;
        // The power-off ended with the BMC reporting off: no need to ask again.
        self.power_from(PowerRequest::On, Some(off.to))
            .await
            .map_err(|e| OobError {
                message: format!("Failed to power up during power cycle: {}", e.message),
                ..e
            })?;
        Ok(Transition {
            from: off.from,
            to: PowerState::On,
            changed: true,
            waited: started.elapsed(),
            message: "Node power cycle complete.".into(),
        })
    }

    pub async fn set_boot(&self, boot: NextBoot) -> Result<(), OobError> {
        self.may_change(&format!("set the next boot to {}", boot.device))?;
        self.exchange(|| self.driver.set_next_boot(boot)).await
    }

    pub async fn inventory(&self) -> Result<Inventory, OobError> {
        self.exchange(|| self.driver.inventory()).await
    }

    /// Ends the driver's session, if it holds one: an exchange too (a Redfish logout, IPMI's
    /// Close Session), so inside the limits.
    pub async fn close(&self) {
        let _permits = self.settings.limits.acquire(self.bmc.host_key()).await;
        self.driver.close().await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::design::model::OobType;
    use crate::oob::{PowerWait, RetryPolicy, Secret, TlsMode};

    /// A BMC in memory: power changes land after `lag` reads; `failures` exchanges fail
    /// first with `fail_kind`. It keeps the power requests it took and counts the reads.
    struct FakeBmc {
        state: Mutex<(PowerState, Option<(PowerState, u32)>)>,
        lag: u32,
        failures: Mutex<u32>,
        fail_kind: OobErrorKind,
        requests: Requests,
        reads: Reads,
        bmc: Bmc,
    }

    impl FakeBmc {
        fn fail(&self) -> Result<(), OobError> {
            let mut left = self.failures.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return Err(OobError::new(self.fail_kind, &self.bmc, "planted"));
            }
            Ok(())
        }
    }

    #[async_trait]
    impl OobDriver for FakeBmc {
        async fn power_state(&self) -> Result<PowerState, OobError> {
            self.fail()?;
            *self.reads.lock().unwrap() += 1;
            let mut s = self.state.lock().unwrap();
            if let Some((to, left)) = s.1 {
                if left == 0 {
                    *s = (to, None);
                } else {
                    s.1 = Some((to, left - 1));
                }
            }
            Ok(s.0)
        }
        async fn request_power(&self, request: PowerRequest) -> Result<(), OobError> {
            self.fail()?;
            self.requests.lock().unwrap().push(request);
            self.state.lock().unwrap().1 = Some((request.target(), self.lag));
            Ok(())
        }
        async fn set_next_boot(&self, _: NextBoot) -> Result<(), OobError> {
            self.fail()
        }
        async fn inventory(&self) -> Result<Inventory, OobError> {
            self.fail()?;
            Ok(Inventory::default())
        }
    }

    fn bmc() -> Bmc {
        Bmc {
            node: "n1".into(),
            protocol: OobType::Redfish,
            address: "10.0.0.1".into(),
            endpoint: "http://127.0.0.1:1".into(),
            account: "admin".into(),
            credential: Secret::new("hunter2"),
            tls: TlsMode::Verify,
            cipher_suite: 3,
        }
    }

    type Requests = Arc<Mutex<Vec<PowerRequest>>>;
    type Reads = Arc<Mutex<u32>>;

    fn fake(
        initial: PowerState,
        lag: u32,
        failures: u32,
        fail_kind: OobErrorKind,
        timeout_ms: u64,
    ) -> (Oob, Requests, Reads) {
        let settings = Arc::new(OobSettings {
            wait: PowerWait {
                interval: Duration::from_millis(1),
                timeout: Duration::from_millis(timeout_ms),
            },
            retry: RetryPolicy {
                attempts: 3,
                backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(2),
            },
            ..OobSettings::default()
        });
        let fake = FakeBmc {
            state: Mutex::new((initial, None)),
            lag,
            failures: Mutex::new(failures),
            fail_kind,
            requests: Requests::default(),
            reads: Reads::default(),
            bmc: bmc(),
        };
        let (requests, reads) = (fake.requests.clone(), fake.reads.clone());
        (Oob::new(bmc(), Box::new(fake), settings, true), requests, reads)
    }

    #[tokio::test]
    async fn a_power_on_waits_until_the_bmc_reports_on() {
        let (oob, _, _) = fake(PowerState::Off, 3, 0, OobErrorKind::Transient, 5_000);
        let t = oob.power_on().await.unwrap();
        assert!(t.changed);
        assert_eq!((t.from, t.to), (PowerState::Off, PowerState::On));
        assert_eq!(oob.power_state().await.unwrap(), PowerState::On);
        assert_eq!(t.message, "Node reports power on.");
    }

    #[tokio::test]
    async fn a_machine_already_on_is_not_asked_again() {
        let (oob, requests, _) = fake(PowerState::On, 0, 0, OobErrorKind::Transient, 5_000);
        let t = oob.power_on().await.unwrap();
        assert!(!t.changed);
        assert!(requests.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_transition_that_never_finishes_times_out_naming_the_state_seen() {
        let (oob, _, _) = fake(PowerState::Off, u32::MAX, 0, OobErrorKind::Transient, 30);
        let e = oob.power_on().await.unwrap_err();
        assert_eq!(e.kind, OobErrorKind::Timeout);
        assert!(e.to_string().contains("still reports off"), "{e}");
        assert!(e.to_string().contains("node n1"), "{e}");
        assert!(!e.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn transient_failures_are_retried_within_the_policy_and_then_reported() {
        let (oob, _, _) = fake(PowerState::On, 0, 2, OobErrorKind::Transient, 5_000);
        assert_eq!(oob.power_state().await.unwrap(), PowerState::On);
        let (oob, _, _) = fake(PowerState::On, 0, 5, OobErrorKind::Transient, 5_000);
        let e = oob.power_state().await.unwrap_err();
        assert!(e.message.contains("after 3 attempts"), "{e}");
    }

    #[tokio::test]
    async fn a_refused_login_is_not_retried() {
        let (oob, _, _) = fake(PowerState::On, 0, 1, OobErrorKind::Auth, 5_000);
        assert_eq!(oob.power_state().await.unwrap_err().kind, OobErrorKind::Auth);
        // The one planted failure was used up by the one attempt.
        assert_eq!(oob.power_state().await.unwrap(), PowerState::On);
    }

    #[tokio::test]
    async fn a_power_cycle_of_a_machine_off_asks_only_for_on_and_reads_the_power_once_before() {
        // Changes land at the second read after them: the cycle reads off, asks for on,
        // and reads until on, never twice in a row before asking.
        let (oob, requests, reads) = fake(PowerState::Off, 1, 0, OobErrorKind::Transient, 5_000);
        let t = oob.power_cycle().await.unwrap();
        assert_eq!(*requests.lock().unwrap(), [PowerRequest::On]);
        assert_eq!(*reads.lock().unwrap(), 3, "off, then (after asking) off and on");
        assert_eq!((t.from, t.to), (PowerState::Off, PowerState::On));
        assert_eq!(oob.power_state().await.unwrap(), PowerState::On);
    }

    #[tokio::test]
    async fn a_power_cycle_goes_off_then_on() {
        let (oob, requests, reads) = fake(PowerState::On, 1, 0, OobErrorKind::Transient, 5_000);
        let t = oob.power_cycle().await.unwrap();
        assert_eq!(
            *requests.lock().unwrap(),
            [PowerRequest::ForceOff, PowerRequest::On]
        );
        assert_eq!((t.from, t.to), (PowerState::On, PowerState::On));
        assert_eq!(t.message, "Node power cycle complete.");
        assert_eq!(
            *reads.lock().unwrap(),
            5,
            "on; off asked, then on and off; on asked, then off and on"
        );
    }
}
